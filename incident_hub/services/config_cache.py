"""Configuration rows each worker keeps in memory (issue 18: "nothing read twice"): intake sources,
the current playbooks (validated once, not at every incident), the active people with their
notification preferences, and the active chat channels.

A copy is trusted only after the transaction using it has read `config_version`
(models/config_version.py): database triggers add one there in the same transaction as any change
to those rows, from any worker, the CLI or a hand-written statement, so a change committed by one
gunicorn worker is seen by the next transaction of every other. The number is read first and the
rows after it, so a copy is never older than the number it carries. Intake reads the number in the
RETURNING clause of the delivery's INSERT (services/intake/accept.py), at no statement of its own;
every other use case reads it once per transaction (`config_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from incident_hub.domain.playbooks import PlaybookDef, PlaybookInvalid, from_stored
from incident_hub.models import ChatChannel, ConfigVersion, NotificationPreference, Playbook, Source, User
from incident_hub.runtime import runtime, units

if TYPE_CHECKING:
    from incident_hub.services.uow import UnitOfWork

CACHE_KEY = "config"
VERSION: ScalarSelect[int] = select(ConfigVersion.version).where(ConfigVersion.id == 1).scalar_subquery()


@dataclass(frozen=True)
class SourceEntry:
    """An intake source as its deliveries need it (the secrets stay encrypted here: they are
    decrypted, and that cached, by services/intake/sources.accepted_secrets)."""

    id: int
    name: str
    format: str
    enabled: bool
    secret_enc: str
    previous_secret_enc: str | None
    previous_expires_at: datetime | None
    mapping: dict[str, Any]
    rate_limit_per_minute: int | None
    created_at: datetime


@dataclass(frozen=True)
class PlaybookEntry:
    """A current playbook version; `definition` is None when it no longer validates (`problem` says why)."""

    id: int
    key: str
    version: int
    name: str
    definition: PlaybookDef | None
    problem: str = ""


@dataclass(frozen=True)
class Person:
    """An active user as notifications need them."""

    id: int
    role: str
    unit: str | None
    email: str | None
    events: dict[str, list[str]] | None
    digest: str


@dataclass(frozen=True)
class ChannelEntry:
    id: int
    unit: str
    kind: str
    url: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class ConfigSnapshot:
    version: int | None  # None: the counter row is missing, so the copy is never trusted
    sources: Mapping[str, SourceEntry]
    playbooks: tuple[PlaybookEntry, ...]
    people: tuple[Person, ...]
    channels: tuple[ChannelEntry, ...]
    people_by_id: Mapping[int, Person] = field(init=False)
    people_by_unit: Mapping[str | None, tuple[Person, ...]] = field(init=False)

    def __post_init__(self) -> None:
        by_unit: dict[str | None, list[Person]] = {}
        for person in self.people:
            by_unit.setdefault(person.unit, []).append(person)
        object.__setattr__(self, "people_by_id", {p.id: p for p in self.people})
        object.__setattr__(self, "people_by_unit", {u: tuple(ps) for u, ps in by_unit.items()})

    def is_current(self, version: int | None) -> bool:
        return self.version is not None and version == self.version


class StaleConfig(Exception):
    """The copy a transaction used is older than the database's: roll back and start again."""


class ConfigCache:
    """The worker's copy (one per app, in its Runtime). Snapshots are immutable and replaced whole,
    so threads of one worker share it without a lock."""

    def __init__(self) -> None:
        self.snapshot: ConfigSnapshot | None = None


def _cache() -> ConfigCache:
    return runtime().caches[CACHE_KEY]  # type: ignore[no-any-return]


def latest() -> ConfigSnapshot | None:
    """The worker's copy, not yet checked against the database (intake checks it in its INSERT)."""
    return _cache().snapshot


def read_version(session: Session) -> int | None:
    return session.connection().execute(select(VERSION)).scalar()


def load(session: Session) -> ConfigSnapshot:
    """Read the number, then every row, in the caller's transaction; keep and return the copy."""
    conn = session.connection()
    version = conn.execute(select(VERSION)).scalar()
    sources = {
        row.name: SourceEntry(*row)
        for row in conn.execute(
            select(
                Source.id,
                Source.name,
                Source.format,
                Source.enabled,
                Source.secret_enc,
                Source.previous_secret_enc,
                Source.previous_expires_at,
                Source.mapping,
                Source.rate_limit_per_minute,
                Source.created_at,
            )
        )
    }
    playbooks = tuple(
        playbook_entry(*row)
        for row in conn.execute(
            select(Playbook.id, Playbook.key, Playbook.version, Playbook.name, Playbook.definition)
            .where(Playbook.superseded_at.is_(None))
            .order_by(Playbook.key)
        )
    )
    people = tuple(
        Person(r.id, r.role, r.unit, r.email, r.events, r.digest or "off")
        for r in conn.execute(
            select(
                User.id, User.role, User.unit, User.email, NotificationPreference.events, NotificationPreference.digest
            )
            .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
            .where(User.active.is_(True))
            .order_by(User.id)
        )
    )
    channels = tuple(
        ChannelEntry(r.id, r.unit, r.kind, r.url, tuple(r.events or ()))
        for r in conn.execute(
            select(ChatChannel.id, ChatChannel.unit, ChatChannel.kind, ChatChannel.url, ChatChannel.events)
            .where(ChatChannel.active.is_(True))
            .order_by(ChatChannel.id)
        )
    )
    snapshot = ConfigSnapshot(version, sources, playbooks, people, channels)
    _cache().snapshot = snapshot
    return snapshot


def playbook_entry(pid: int, key: str, version: int, name: str, definition: dict[str, Any]) -> PlaybookEntry:
    try:
        return PlaybookEntry(pid, key, version, name, from_stored(definition, units()))
    except PlaybookInvalid as exc:
        return PlaybookEntry(pid, key, version, name, None, str(exc))


def config_of(uow: UnitOfWork) -> ConfigSnapshot:
    """The copy this unit of work uses: checked against `config_version` once per transaction
    (reloaded when older), then the same for the rest of it."""
    if uow.config is None:
        snapshot = latest()
        if snapshot is None or not snapshot.is_current(read_version(uow.session)):
            snapshot = load(uow.session)
        uow.config = snapshot
    return uow.config  # type: ignore[no-any-return]
