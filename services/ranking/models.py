"""The ranking service's tables: its copy of the units, the unit each task counts
against, and the current colour of every task.

No foreign keys: the copies are filled from events of two services, which may
arrive in any order.
"""
from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData()

units = Table(
    "units", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False, index=True),  # the unit's group
)

tasks = Table(
    "tasks", metadata,
    Column("code", String(32), primary_key=True),
    # The lead unit (牵头单位): the task's colour counts against it.
    Column("unit", String(32), nullable=False, index=True),
)

task_colours = Table(
    "task_colours", metadata,
    Column("task", String(32), primary_key=True),
    Column("colour", String(16), nullable=False),
    # When the warnings service decided it, so that an older event delivered late
    # (after a retry) cannot undo a newer colour.
    Column("decided_at", DateTime, nullable=False),
)
