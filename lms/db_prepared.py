"""Hot-path statements: built and compiled by SQLAlchemy once per dialect, run on the
session's own DBAPI connection.

Running a cached Core statement through SQLAlchemy still costs some 60 µs of Python per
call (cache key, execution context, result metadata). The autosave, the request a class
sends thousands of times during an exam, runs three statements, and that layer was a
quarter of its server time. Here SQLAlchemy still writes the SQL and converts the values
(each type's bind and result processors, from the public ``TypeEngine`` API); only the
per-call bookkeeping is skipped. The statement runs on the connection of ``db.session``, so
it sees and joins the request's transaction (and a test's rolled-back one) exactly as an
ORM statement would, and the engine's cursor events (statement counters, tracing) fire.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from lms.extensions import db

__all__ = ["Prepared", "run"]


def run(connection: Connection, sql: str, parameters: Any = ()) -> Any:
    """Run ``sql`` on the DBAPI connection under ``connection``; the open cursor.

    The engine's cursor events fire as for any statement, so that listeners (the tests'
    statement counters, tracing) see these statements too.
    """
    dbapi_connection = connection.connection.driver_connection
    cursor = dbapi_connection.cursor()
    events = connection.dispatch
    if events.before_cursor_execute:
        events.before_cursor_execute(connection, cursor, sql, parameters, None, False)
    dialect = connection.dialect
    try:
        cursor.execute(sql, parameters)
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would: its own exception classes (a locked or lost database is a
        # 503 in lms.errors), and a connection that was lost is not reused.
        cursor.close()
        if dialect.is_disconnect(exc, dbapi_connection, cursor):
            connection.invalidate(exc)
        raise DBAPIError.instance(sql, parameters, exc, dialect.loaded_dbapi.Error,
                                  dialect=dialect) from exc
    if events.after_cursor_execute:
        events.after_cursor_execute(connection, cursor, sql, parameters, None, False)
    return cursor


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # the parameter names in order (qmark), or None
    defaults: Mapping[str, Any]
    binds: Mapping[str, Callable[[Any], Any]]
    results: tuple[Callable[[Any], Any] | None, ...]
    row: type
    required: frozenset[str]

    def parameters(self, given: Mapping[str, Any]) -> Any:
        if not self.required <= given.keys():  # as SQLAlchemy: never a silent NULL
            missing = sorted(self.required - given.keys())
            raise KeyError(f"a value is required for bind parameter(s) {missing}")
        values = dict(self.defaults)  # literal values, converted once when compiled
        binds = self.binds
        for name, value in given.items():
            process = binds.get(name)
            values[name] = value if process is None else process(value)
        if self.positional is None:
            return values
        return tuple(values[name] for name in self.positional)

    def convert(self, raw: tuple[Any, ...]) -> Any:
        return self.row._make(value if process is None or value is None else process(value)
                              for value, process in zip(raw, self.results, strict=True))


class Prepared:
    """A statement (``build(dialect_name)`` makes it) run directly on the DBAPI cursor.

    ``first(params)`` returns the first row (attributes named as the statement's columns)
    or ``None``; ``scalar(params)`` its first value. Only for single-statement hot paths:
    everything else goes through the session as usual.
    """

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = self._build(dialect.name)
        compiled = statement.compile(dialect=dialect)
        if compiled.insert_prefetch or compiled.update_prefetch:
            # Python-side column defaults are filled in by SQLAlchemy's execution context,
            # which is skipped here: such a statement must give those values itself.
            missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise TypeError(f"prepared statements must set {missing} explicitly")
        binds = {}
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        columns = list(statement.exported_columns)
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                        for column in columns)
        row = namedtuple("Row", [column.key for column in columns])
        # The statement's literal values (converted now); the caller's come on top.
        defaults = {name: binds[name](value) if name in binds else value
                    for name, value in compiled.params.items()}
        positional = tuple(compiled.positiontup) if dialect.positional else None
        required = frozenset(name for bind, name in compiled.bind_names.items()
                             if bind.required)
        prepared = _Compiled(compiled.string, positional, defaults, binds, results, row,
                             required)
        self._compiled[dialect.name] = prepared
        return prepared

    def first(self, params: Mapping[str, Any]) -> Any:
        connection = db.session.connection()
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        cursor = run(connection, compiled.sql, compiled.parameters(params))
        try:
            raw = cursor.fetchone()
        finally:
            cursor.close()
        return None if raw is None else compiled.convert(raw)

    def scalar(self, params: Mapping[str, Any]) -> Any:
        row = self.first(params)
        return None if row is None else row[0]
