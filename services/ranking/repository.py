"""Reading and writing the ranking service's tables; answers plain dicts."""
from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from services.common.db import insert_ignoring_conflicts

from .logic import COLOURS
from .models import task_colours, tasks, units


def save_unit(session, unit):
    insert_ignoring_conflicts(session, units, [
        {"code": unit["code"], "name": unit["name"], "kind": unit["kind"]}])


def save_task(session, task):
    insert_ignoring_conflicts(session, tasks, [{"code": task["code"], "unit": task["lead_unit"]}])


def save_colours(session, colours, decided_at):
    """Keep {task: colour} as decided at `decided_at`, unless a later decision is
    kept already."""
    if not colours:
        return
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[
        session.get_bind().dialect.name]
    statement = insert(task_colours)
    statement = statement.on_conflict_do_update(
        index_elements=[task_colours.c.task],
        set_={"colour": statement.excluded.colour, "decided_at": statement.excluded.decided_at},
        where=task_colours.c.decided_at <= statement.excluded.decided_at,
    )
    session.execute(statement, [
        {"task": task, "colour": colour, "decided_at": decided_at}
        for task, colour in colours.items()
    ])


def group_tallies(session, kind):
    """Every unit of one kind with the number of its tasks of each colour, counted
    in the database: [{"unit", "name", "green", "yellow", "red"}]."""
    counts = [func.count(case((task_colours.c.colour == colour, 1))).label(colour)
              for colour in COLOURS]
    rows = session.execute(
        select(units.c.code, units.c.name, *counts)
        .select_from(
            units.outerjoin(tasks, tasks.c.unit == units.c.code)
            .outerjoin(task_colours, task_colours.c.task == tasks.c.code))
        .where(units.c.kind == kind)
        .group_by(units.c.code, units.c.name)
    )
    return [{"unit": row.code, "name": row.name,
             **{colour: getattr(row, colour) for colour in COLOURS}} for row in rows]
