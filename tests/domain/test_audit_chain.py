"""The audit chain: hashes over canonical JSON, each entry bound to the one before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.audit_chain import GENESIS_HASH, ChainEntry, entry_hash, first_broken

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
