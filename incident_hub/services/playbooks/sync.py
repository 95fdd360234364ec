"""Playbook versions: loading the files of `playbooks/`, storing each changed one as a new version
(audited), and reading them (DOMAIN.md "Playbooks and actions").

Nothing here runs at import or app start: `flask playbooks sync`, the scheduler's sync job and the
first instantiation on an empty table call `sync_playbooks` / `store_definition`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from sqlalchemy import func, select, update

from incident_hub.domain.audit_chain import canonical_json, iso_utc
from incident_hub.domain.playbooks import PlaybookDef, PlaybookInvalid, PlaybookProblem, validate_definition
from incident_hub.domain.translatable import N_, Text
from incident_hub.domain.units import UnitRegistry
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import Playbook
from incident_hub.runtime import settings, units
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.upsert import insert_ignore

PLAYBOOK_SUFFIXES = (".yaml", ".yml")
log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    stored: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[PlaybookProblem] = field(default_factory=list)


def parse_yaml(text: str, file: str, units: UnitRegistry, default_key: str) -> PlaybookDef:
    """A playbook file's text (YAML, read with safe_load: no arbitrary objects) → PlaybookDef."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(top)"
        raise PlaybookInvalid([PlaybookProblem(file, where, f"not valid YAML: {getattr(exc, 'problem', exc)}")])
    return validate_definition(data, file, units, default_key)


def content_hash(definition: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()


def playbook_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob("*") if p.suffix in PLAYBOOK_SUFFIXES and p.is_file())


def load_files(path: Path, registry: UnitRegistry) -> tuple[list[tuple[PlaybookDef, str]], list[PlaybookProblem]]:
    """Every valid playbook under `path` with its file name, and every problem of the others.
    A file with any problem is left out whole; two files with one key are both refused."""
    loaded: list[tuple[PlaybookDef, str]] = []
    problems: list[PlaybookProblem] = []
    if not path.exists():
        return [], [PlaybookProblem(str(path), "(path)", "no such file or directory")]
    for file in playbook_files(path):
        try:
            loaded.append((parse_yaml(file.read_text(encoding="utf-8"), file.name, registry, file.stem), file.name))
        except PlaybookInvalid as exc:
            problems.extend(exc.problems)
    by_key: dict[str, list[str]] = {}
    for definition, name in loaded:
        by_key.setdefault(definition.key, []).append(name)
    clashes = {key for key, names in by_key.items() if len(names) > 1}
    for key in sorted(clashes):
        for name in by_key[key]:
            problems.append(PlaybookProblem(name, "key", f"key {key!r} is used by {', '.join(by_key[key])}"))
    return [(d, n) for d, n in loaded if d.key not in clashes], problems


def current_version(session: Any, key: str) -> Playbook | None:
    return session.execute(
        select(Playbook).where(Playbook.key == key).order_by(Playbook.version.desc()).limit(1)
    ).scalar_one_or_none()


def store_definition(uow: UnitOfWork, definition: PlaybookDef, source: str, source_ref: str) -> tuple[Playbook, bool]:
    """The current version of this playbook, stored as a new version when its content changed.
    Idempotent and race-safe: a version number taken by another worker is not stored twice."""
    body = definition.to_dict()
    digest = content_hash(body)
    current = current_version(uow.session, definition.key)
    if current is not None and current.content_hash == digest:
        return current, False
    version = 1 if current is None else current.version + 1
    values = {
        "key": definition.key,
        "version": version,
        "name": definition.name,
        "description": definition.description,
        "content_hash": digest,
        "source": source,
        "source_ref": source_ref,
        "definition": body,
        "created_at": uow.now,
        "created_by": uow.actor,
    }
    new_id = insert_ignore(uow.session, Playbook, values, ("key", "version"))
    if new_id is None:  # another worker stored this version meanwhile
        return current_version(uow.session, definition.key) or current, False  # type: ignore[return-value]
    uow.session.execute(
        update(Playbook)
        .where(Playbook.key == definition.key, Playbook.id != new_id, Playbook.superseded_at.is_(None))
        .values(superseded_at=uow.now)
    )
    before = None if current is None else {"id": current.id, "version": current.version, "hash": current.content_hash}
    after = {"key": definition.key, "version": version, "hash": digest, "source": source, "source_ref": source_ref}
    uow.audit("playbook.version", "playbook", new_id, before, after)
    stored = uow.session.get(Playbook, new_id)
    assert stored is not None
    return stored, True


def sync_into(uow: UnitOfWork, path: Path | None = None) -> SyncReport:
    report = SyncReport()
    loaded, report.problems = load_files(path or settings().playbooks_dir, units())
    for problem in report.problems:
        log.warning("playbook refused: %s", problem)
    for definition, file_name in loaded:
        row, created = store_definition(uow, definition, "file", file_name)
        if created:
            report.stored.append((row.key, row.version))
        else:
            report.unchanged.append(row.key)
    return report


def sync_playbooks(actor: str = "system", path: Path | None = None) -> SyncReport:
    """Load `playbooks/` and store what changed, in one transaction (`flask playbooks sync`, scheduler)."""
    with unit_of_work(actor) as uow:
        return sync_into(uow, path)


def ensure_loaded(uow: UnitOfWork) -> None:
    """The first use on an empty table loads the files (so a fresh database works without a sync)."""
    if uow.session.execute(select(func.count()).select_from(Playbook)).scalar_one() == 0:
        sync_into(uow)


def loaded_current_playbooks(uow: UnitOfWork) -> list[Playbook]:
    """`current_playbooks`, loading the files first on an empty table: one read when there are some."""
    rows = current_playbooks(uow.session)
    if not rows:
        ensure_loaded(uow)
        rows = current_playbooks(uow.session)
    return rows


def current_playbooks(session: Any) -> list[Playbook]:
    return list(
        session.execute(select(Playbook).where(Playbook.superseded_at.is_(None)).order_by(Playbook.key)).scalars()
    )


def list_playbooks(all_versions: bool = False, key: str | None = None) -> list[Playbook]:
    q = select(Playbook)
    if not all_versions:
        q = q.where(Playbook.superseded_at.is_(None))
    if key is not None:
        q = q.where(Playbook.key == key)
    return list(db.session.execute(q.order_by(Playbook.key, Playbook.version)).scalars())


def get_playbook(playbook_id: int) -> Playbook:
    row = db.session.get(Playbook, playbook_id)
    if row is None:
        raise NotFound(Text(N_("No playbook %(id)s."), id=playbook_id))
    return row


def playbook_view(row: Playbook, full: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id,
        "key": row.key,
        "version": row.version,
        "name": row.name,
        "description": row.description,
        "content_hash": row.content_hash,
        "source": row.source,
        "source_ref": row.source_ref,
        "current": row.superseded_at is None,
        "created_at": iso_utc(row.created_at),
        "created_by": row.created_by,
        "applies_to": row.definition.get("applies_to"),
        "step_count": len(row.definition.get("steps", [])),
    }
    if full:
        view["steps"] = row.definition.get("steps", [])
    return view
