"""Rules kept as data, in versions: the warning rules, the score rules.

The highest stored version is in force; version 1, the built-in defaults, is never
stored. The rows are the audit of who changed what, when and why. A change names
only the fields it changes, the others keep their values, and it colours or scores
from then on: what was computed earlier keeps the version it was computed with.
"""
from sqlalchemy import JSON, Column, DateTime, Integer, String, Table, Text, func, select
from sqlalchemy.exc import IntegrityError

from .clock import utc_iso, utcnow
from .errors import Conflict, InvalidInput

DEFAULTS_NOTE = "默认规则"


def rule_versions_table(name, metadata):
    return Table(
        name, metadata,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("rules", JSON, nullable=False),  # {field: value}, without the version
        Column("created_by", String(64), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("note", Text),
    )


def _fields(rules):
    return {key: value for key, value in rules.to_dict().items() if key != "version"}


class RuleVersions:
    """The versions of one kind of rules, stored in `table`. `rules_class()` is the
    defaults, `rules_class.from_dict` validates (InvalidInput naming each wrong
    field) and `.to_dict()` answers {field: value, "version"}."""

    def __init__(self, table, rules_class):
        self.table, self.rules_class = table, rules_class

    def _newest(self, session):
        return session.execute(
            select(self.table).order_by(self.table.c.version.desc()).limit(1)).first()

    def current(self, session):
        """The rules in force, as a `rules_class`."""
        row = self._newest(session)
        if row is None:
            return self.rules_class()
        return self.rules_class.from_dict({**row.rules, "version": row.version})

    def in_force(self, session):
        """{version, rules: {field: value}, created_by, created_at, note} of the
        rules in force."""
        row = self._newest(session)
        if row is None:
            return {"version": 1, "rules": _fields(self.rules_class()), "created_by": None,
                    "created_at": None, "note": DEFAULTS_NOTE}
        return _version_dict(row)

    def store_next(self, session, data, user, note=None):
        """Store `data` ({field: value}) over the rules in force as the next
        version. Answers (rules before, rules now, {field: [before, now]}).
        InvalidInput when nothing differs; Conflict when another change took the
        version meanwhile."""
        if not isinstance(data, dict):
            raise InvalidInput({"rules": "an object of rule fields"})
        before = self.current(session)
        given = {key: value for key, value in data.items() if key != "version"}
        now = self.rules_class.from_dict(
            {**before.to_dict(), **given, "version": before.version + 1})
        old, new = _fields(before), _fields(now)
        changes = {key: [old[key], new[key]] for key in new if old[key] != new[key]}
        if not changes:
            raise InvalidInput({"rules": "no rule differs from the rules in force"})
        try:
            with session.begin_nested():
                session.execute(self.table.insert().values(
                    version=now.version, rules=new, created_by=user, created_at=utcnow(),
                    note=note))
        except IntegrityError:
            raise Conflict("the rules were changed meanwhile; read them again") from None
        return before, now, changes

    def stored(self, session, limit, offset):
        """The stored versions, newest first: {"items": [as in_force], "total"}."""
        total = session.execute(select(func.count()).select_from(self.table)).scalar()
        rows = session.execute(select(self.table).order_by(self.table.c.version.desc())
                               .limit(limit).offset(offset)).all()
        return {"items": [_version_dict(row) for row in rows], "total": total}


def _version_dict(row):
    return {"version": row.version, "rules": row.rules, "created_by": row.created_by,
            "created_at": utc_iso(row.created_at), "note": row.note}
