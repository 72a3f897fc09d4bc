"""SQL over a batch's worth of rows in one statement: INSERT that skips existing
keys, `column IN values` as one array parameter, and INSERT, UPDATE or INSERT
OR UPDATE of many rows read from arrays (PostgreSQL) or in one executemany
(SQLite)."""
import datetime as dt
import json
from functools import partial
from operator import itemgetter

from sqlalchemy import DateTime, Float, Text, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse


def insert_ignoring_conflicts(session, table, rows):
    """INSERT rows, silently skipping those whose key exists. Answers how many
    were inserted."""
    if not rows:
        return 0
    # Counting the returned keys: rowcount is not reliable across drivers here.
    # The rows as parameters of one statement, not as its VALUES: the statement is
    # then compiled once and cached, where a VALUES list of a thousand rows was a
    # new statement to compile each time (most of an import slice's time), and
    # SQLAlchemy sends the rows in batches of many ("insertmanyvalues").
    key = list(table.primary_key.columns)[0]
    statement = _insert(session, table).on_conflict_do_nothing().returning(key)
    return len(session.execute(statement, rows).all())


def among(session, column, values):
    """`column IN values`, for a batch's worth of values. On PostgreSQL it is
    `column = ANY(:array)`: one parameter however many values, so the statement's
    text is the same for every batch and the driver converts and prepares it once,
    where an IN list of a thousand is a new statement each time (a tenth of a
    batch's time went to writing and converting those). On SQLite the same for
    texts and integers (codes, ids), as one JSON array read by json_each: an IN
    list of a thousand cost some 0.8 ms a statement to render, bind and prepare
    (bench/RESULTS.md), and SQLite still finds each value through the column's
    index."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    values = list(values)
    if (all(type(value) is str for value in values)
            or all(type(value) is int for value in values)):
        listed = func.json_each(bindparam(None, json.dumps(values), type_=Text))
        return column.in_(select(listed.table_valued("value").c.value))
    return column.in_(values)


def unindexed(column):
    """`column` as an expression no index serves (`column || ''`), for a test
    that must not choose a batch's plan. Without statistics SQLite takes
    equality on the first column of an index as selective whatever its values:
    `kind = 'reminder_target' AND task IN (…)` read every target through the
    (kind, item) key, not a batch's tasks through their own index (4× a batch's
    time at a quarter of the city, growing with it)."""
    return column.concat("")


def insert_many(session, table, rows, skip_existing=False):
    """INSERT rows (dicts with the same keys, named after columns) in one go, as
    update_many does. `skip_existing`: a row whose key is already kept is left
    out, as insert_ignoring_conflicts does, without counting what was inserted
    (which costs SQLAlchemy's own executemany, the slower half of a batch)."""
    if rows:
        statement = (_insert(session, table).on_conflict_do_nothing() if skip_existing
                     else table.insert())
        update_many(session, statement, rows, columns=list(rows[0]))


def insert_numbered(session, table, rows):
    """INSERT rows into `table`, whose key is one number the database gives (a
    serial): as insert_many, answering the rows' new keys in the order of `rows`.
    SQLAlchemy's executemany with RETURNING in the rows' order built and sorted
    every row in Python, the slower half of storing a batch of reports."""
    if not rows:
        return []
    key, = table.primary_key.columns
    if session.get_bind().dialect.name == "postgresql":
        # The keys are taken from the key's sequence first, then written with
        # their rows: which row a sequence gives which number to in one INSERT is
        # the plan's business.
        numbers = func.nextval(func.pg_get_serial_sequence(table.name, key.name))
        keys = sorted(session.execute(select(numbers).select_from(
            func.generate_series(1, len(rows)))).scalars())
        insert_many(session, table, [{key.name: number, **row}
                                     for number, row in zip(keys, rows, strict=True)])
        return keys
    insert_many(session, table, rows)
    # SQLite numbers a new row one above the largest key kept, and no other
    # writer comes between the rows of one executemany (the transaction holds
    # the database's write lock from its first row): the rows' keys are the last
    # len(rows) numbers, in order.
    last = session.execute(select(func.last_insert_rowid())).scalar()
    return list(range(last - len(rows) + 1, last + 1))


def upsert_many(session, table, rows):
    """INSERT rows (dicts with the same keys, named after columns, distinct
    primary keys), or UPDATE the row already under a key with the others: one
    statement, as insert_many, where a delete of the keys and an insert took two
    and the delete's thousand-key condition most of the time."""
    if not rows:
        return
    columns = list(rows[0])
    insert = _insert(session, table)
    keys = [column.name for column in table.primary_key.columns]
    update_many(session, insert.on_conflict_do_update(
        index_elements=keys,
        set_={name: insert.excluded[name] for name in columns if name not in keys}),
        rows, columns=columns)


def _insert(session, table):
    """The database's own INSERT of `table`, which knows ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect](table)


def update_many(session, statement, rows, columns=None, same_row_by=None):
    """Run one UPDATE over many parameter sets (dicts keyed by its bind names): on
    PostgreSQL as one statement reading them from arrays (_from_arrays), on SQLite
    in a single executemany, through the driver. SQLAlchemy's own executemany builds
    every parameter set in Python, which costs as much again as the update at a
    thousand rows; here the statement is compiled once and each row only goes
    through its columns' type conversions (dates as text on SQLite). `columns`:
    those an INSERT without values sets, each its own bind.

    `same_row_by`: the binds that say which rows of the table a parameter set
    updates, when several sets may name the same ones (a task reported twice in
    a batch). They apply one after another, as an executemany does; sets with
    different values of these binds must update different rows. On PostgreSQL,
    where reading them from arrays would apply one of them only, they go in
    rounds: each set naming its rows for the k-th time in the k-th statement, so
    a batch with a task twice is two statements, not one a set."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        for part in _rounds(rows, same_row_by) if same_row_by else [rows]:
            connection.execute(_from_arrays(statement, part, dialect, columns))
        return
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    places = compiled.positiontup if dialect.positional else list(compiled.binds)
    names = list(dict.fromkeys(places))
    convert = [(at, process) for at, name in enumerate(names)
               for process in (_bind_processor(compiled.binds[name].type, dialect),)
               if process is not None]
    values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    # SQLite's placeholders are positional, and a bind the statement names in
    # several places has a place each: it is converted once a row, then placed
    # as often (the ranking's targets update named a report's day in four).
    place = (tuple if places == names
             else itemgetter(*[names.index(name) for name in places]))
    params = []
    for row in rows:
        row_values = values(row)
        if convert:
            row_values = list(row_values)
            for at, process in convert:
                if row_values[at] is not None:
                    row_values[at] = process(row_values[at])
        params.append(place(row_values) if dialect.positional
                      else dict(zip(names, row_values, strict=True)))
    connection.exec_driver_sql(compiled.string, params)


def _rounds(rows, keys):
    """`rows` in rounds in which no value of the `keys` binds comes twice: a row
    whose value came k times before it is in round k, and the rounds keep the
    rows' order."""
    key_of = itemgetter(*keys)
    seen, rounds = {}, []
    for row in rows:
        key = key_of(row)
        times = seen.get(key, 0)
        seen[key] = times + 1
        if times == len(rounds):
            rounds.append([])
        rounds[times].append(row)
    return rounds


def _from_arrays(statement, rows, dialect, columns):
    """`statement` over all `rows` as one statement for PostgreSQL, which reads
    them from arrays, one per bind parameter: `UPDATE ... FROM unnest(:a, :b) AS
    v(a, b) WHERE ... = v.b`, or `INSERT ... SELECT * FROM unnest(...)`. Each
    row of an executemany is a statement of its own for the server (half the time
    of a batch's updates of a thousand rows). The rows must name distinct rows of
    the table: a row updated twice takes one of its values, not the last."""
    if columns is not None:  # an INSERT of these columns
        v = _unnested(rows, columns, [statement.table.c[name].type for name in columns])
        return statement.from_select(columns, select(*v.c))
    binds = statement.compile(dialect=dialect).binds
    # A bind named in several places may be typed in one of them only (by the
    # column it is compared with), and untyped where it is a CASE's result.
    typed = {}
    for element in visitors.iterate(statement):
        if (isinstance(element, BindParameter) and element.key in binds
                and not element.type._isnull):
            typed.setdefault(element.key, element.type)
    v = _unnested(rows, list(binds), [typed.get(name, bind.type)
                                      for name, bind in binds.items()])
    return replacement_traverse(statement, {}, lambda element: v.c[element.key] if (
        isinstance(element, BindParameter) and element.key in binds) else None)


def _unnested(rows, names, types):
    """`unnest(:a, :b, ...) AS v(a, b, ...)`: the rows' values of each name as an
    array of its type."""
    return func.unnest(*[
        # One dimension: a JSON value that is a list is one element, not a row
        # of a second dimension, which unnest would spread over more rows.
        bindparam(None, _one_kind(type_, [row[name] for row in rows]),
                  type_=postgresql.ARRAY(type_, dimensions=1))
        for name, type_ in zip(names, types, strict=True)
    ]).table_valued(*names).render_derived(name="v")


def _one_kind(type_, values):
    """A column's values as one Python type, which the driver needs to write them
    as an array: whole numbers among floats as floats, moments with an offset as
    the naive UTC moments the services keep."""
    if isinstance(type_, Float):
        return [value if value is None else float(value) for value in values]
    if isinstance(type_, DateTime) and not type_.timezone:
        return [value.astimezone(dt.UTC).replace(tzinfo=None)
                if value is not None and value.tzinfo is not None else value
                for value in values]
    return values


# SQLite's dates and moments in SQLAlchemy's default text format, and the
# function of Python's that writes the same text.
_ISO_TEXT = (
    (sqlite.DATE, dt.date, dt.date.isoformat),
    (sqlite.DATETIME, dt.datetime, lambda moment: moment.isoformat(" ", "microseconds")),
)


def _bind_processor(type_, dialect):
    """The conversion of a value of `type_` on its way to the driver: SQLAlchemy's,
    except for SQLite's dates and moments, which Python's isoformat writes as the
    same text in half the time (a batch converts some three thousand)."""
    impl = type_.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    for base, kind, to_text in _ISO_TEXT if process and dialect.name == "sqlite" else ():
        if isinstance(impl, base) and impl._storage_format == base._storage_format:
            return partial(_iso_text, kind, to_text, process)
    return process


def _iso_text(kind, to_text, process, value):
    # Only a naive value of exactly the type: subclasses and aware moments keep
    # SQLAlchemy's formatting, which drops the offset.
    if type(value) is kind and (kind is dt.date or value.tzinfo is None):
        return to_text(value)
    return process(value)
