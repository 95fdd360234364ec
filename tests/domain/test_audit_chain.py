"""The audit chain: hashes over canonical JSON, each entry bound to the one before."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.audit_chain import GENESIS_HASH, ChainEntry, canonical_json, entry_hash, first_broken, iso_utc

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def build_chain(payloads: list[dict]) -> list[ChainEntry]:
    entries, prev = [], GENESIS_HASH
    for i, payload in enumerate(payloads, start=1):
        entry = ChainEntry(
            i, T0 + timedelta(seconds=i), "alice", "incident.update", "incident", str(i), None, payload, prev
        )
        entry = replace(entry, hash=entry_hash(entry))
        entries.append(entry)
        prev = entry.hash
    return entries


def test_an_intact_chain_verifies():
    assert first_broken(build_chain([{"a": 1}, {"b": [1, 2]}, {"c": None}])) is None


def test_empty_chain_verifies():
    assert first_broken([]) is None


def test_hash_ignores_key_order_but_not_values():
    a = ChainEntry(1, T0, "x", "y", "z", "1", {"p": 1, "q": 2}, None, GENESIS_HASH)
    b = replace(a, before={"q": 2, "p": 1})
    assert entry_hash(a) == entry_hash(b)
    assert entry_hash(a) != entry_hash(replace(a, before={"p": 1, "q": 3}))


def test_naive_and_aware_utc_hash_alike():
    a = ChainEntry(1, T0, "x", "y", "z", "1", None, None, GENESIS_HASH)
    assert entry_hash(a) == entry_hash(replace(a, at=T0.replace(tzinfo=None)))


def test_a_deleted_entry_is_reported_as_a_gap():
    chain = build_chain([{"n": i} for i in range(5)])
    del chain[2]
    assert first_broken(chain) == (4, "sequence gap: expected 3")


payloads = st.lists(
    st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=8), max_size=3), min_size=1, max_size=8
)


@given(payloads, st.data())
def test_editing_any_entry_breaks_verification_at_that_entry(items, data):
    chain = build_chain(items)
    index = data.draw(st.integers(min_value=0, max_value=len(chain) - 1))
    chain[index] = replace(chain[index], after={"tampered": True, "was": chain[index].after})
    assert first_broken(chain) == (index + 1, "hash does not match the entry's content")


@given(payloads, st.data())
def test_rehashing_an_edited_entry_breaks_the_next_link(items, data):
    chain = build_chain([*items, {"last": 1}])
    index = data.draw(st.integers(min_value=0, max_value=len(chain) - 2))
    edited = replace(chain[index], actor="mallory")
    chain[index] = replace(edited, hash=entry_hash(edited))
    assert first_broken(chain) == (index + 2, "prev_hash does not match the previous entry's hash")


# Golden vectors: stored chains were hashed with exactly these bytes. If one of these tests fails,
# the canonical JSON (key order, separators, escaping, time format) changed and every stored chain
# would stop verifying: change the code back, do not update the vector.
GOLDEN_ENTRY = ChainEntry(
    seq=7,
    at=datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1))),
    actor="oict.officer",
    action="incident.update",
    object_type="incident",
    object_id="42",
    before={"severity": "high", "tags": ["b", "a"], "note": None},
    after={"severity": "critical", "title": "Café outage — Genève", "count": 3, "ratio": 0.5, "ok": True},
    prev_hash="ab" * 32,
)
GOLDEN_JSON = (
    '{"action":"incident.update","actor":"oict.officer",'
    '"after":{"count":3,"ok":true,"ratio":0.5,"severity":"critical","title":"Café outage — Genève"},'
    '"at":"2026-11-20T08:30:15.123456Z",'
    '"before":{"note":null,"severity":"high","tags":["b","a"]},'
    '"object_id":"42","object_type":"incident",'
    '"prev_hash":"abababababababababababababababababababababababababababababababab","seq":7}'
)
GOLDEN_HASH = "0f3b3d184f506107fdd7b580cae1ae3cdf6696baf4fe8c18e8717af4ddd6fdd8"

# A naive time is taken as UTC; null before/after; the genesis prev_hash.
NAIVE_ENTRY = ChainEntry(1, datetime(2026, 1, 1), "system", "audit.genesis", "audit", "0", None, None, GENESIS_HASH)
NAIVE_JSON = (
    '{"action":"audit.genesis","actor":"system","after":null,"at":"2026-01-01T00:00:00.000000Z",'
    '"before":null,"object_id":"0","object_type":"audit",'
    '"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1}'
)
NAIVE_HASH = "31ec57ac1c6e3e0c52c88655b63ea4c09287052dd24b5329e69dff5e099aea82"


def _hashed_fields(entry: ChainEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": iso_utc(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }


@pytest.mark.parametrize(
    ("entry", "expected_json", "expected_hash"),
    [(GOLDEN_ENTRY, GOLDEN_JSON, GOLDEN_HASH), (NAIVE_ENTRY, NAIVE_JSON, NAIVE_HASH)],
    ids=["aware-time-unicode-nested", "naive-time-genesis"],
)
def test_golden_vector(entry, expected_json, expected_hash):
    assert canonical_json(_hashed_fields(entry)) == expected_json
    assert hashlib.sha256(expected_json.encode("utf-8")).hexdigest() == expected_hash
    assert entry_hash(entry) == expected_hash
