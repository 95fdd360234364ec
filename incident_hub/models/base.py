"""Declarative base: a constraint naming convention (so migrations name things alike on
SQLite and PostgreSQL) and a UTC datetime type that always hands back aware UTC values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, SmallInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (portable), returned as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Rank(ColumnElement[int]):
    """A status's place in its lifecycle (`order`: first=0, …; anything else 9) as SQL, for a
    computed column so a list sorts by status through an index, with nothing that writes `status`
    to keep it in step. PostgreSQL spells the literals with the `::text` it stores them with, so
    comparing models and migrations sees no change."""

    inherit_cache = True
    type = SmallInteger()
    order: tuple[str, ...] = ()


@compiles(Rank)
def _rank(element: Rank, compiler: Any, **kw: Any) -> str:
    cast = "::text" if compiler.dialect.name == "postgresql" else ""
    whens = " ".join(f"WHEN '{s}'{cast} THEN {i}" for i, s in enumerate(element.order))
    return f"CASE status {whens} ELSE 9 END"
