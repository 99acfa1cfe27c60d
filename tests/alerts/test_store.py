"""One suite for every EventStore backend: seqs, replay, timelines, snapshots, reopening."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from alerts.config import StorageConfig, TimersConfig
from alerts.errors import StorageError
from alerts.incidents import IncidentBook
from alerts.lifecycle import SYSTEM
from alerts.store import EventStore, open_store
from tests.alerts.conftest import CAM_A, CAM_C, counter_ids, detection, plain_event


async def test_empty_store(store: EventStore) -> None:
    assert await store.last_seq() == 0
    assert await store.read_since(0) == []
    assert await store.incidents() == []
    assert await store.incident("nope") is None
    assert await store.timeline("nope") == []


async def test_append_assigns_consecutive_seqs(store: EventStore) -> None:
    first = await store.append(plain_event(1))
    batch = await store.append_all([plain_event(2), plain_event(3)])
    assert [first.seq, *(e.seq for e in batch)] == [1, 2, 3]
    assert await store.last_seq() == 3
    read = await store.read_since(0)
    assert [e.seq for e in read] == [1, 2, 3]
    assert [e.data["n"] for e in read] == [1, 2, 3]
    assert read[1] == batch[0]


async def test_read_since_pages(store: EventStore) -> None:
    await store.append_all([plain_event(n) for n in range(10)])
    assert [e.seq for e in await store.read_since(4, limit=3)] == [5, 6, 7]
    assert [e.seq for e in await store.read_since(8)] == [9, 10]
    assert await store.read_since(10) == []


async def test_events_of_type_finds_them_all_in_order(store: EventStore) -> None:
    events = [plain_event(n) for n in range(25)]
    # every fourth one of the type asked for, so that it is spread over the pages
    await store.append_all(
        [dataclasses.replace(e, type="dispatch.team_status") if n % 4 == 0 else e
         for n, e in enumerate(events)]
    )  # fmt: skip
    found = await store.events_of_type("dispatch.team_status", page=3)
    assert [e.seq for e in found] == [1, 5, 9, 13, 17, 21, 25]
    assert await store.events_of_type("nothing.of.this", page=3) == []
    # A backend's own lookup (SQLite's query, Redis's type lists) agrees with the paged read
    # of the whole stream, event for event.
    for type_ in ("dispatch.team_status", plain_event(0).type):
        whole = await EventStore.events_of_type(store, type_, page=4)
        assert await store.events_of_type(type_, page=2) == whole


async def test_incident_snapshot_and_timeline(store: EventStore) -> None:
    book = IncidentBook(300, TimersConfig(), counter_ids())
    opened = book.on_detection(detection(CAM_A), CAM_A, 10.0)
    await store.append_all(opened.events, opened.incident)
    book.commit(opened)
    await store.append(plain_event(99))
    other = book.on_detection(detection(CAM_C), CAM_C, 11.0)
    await store.append_all(other.events, other.incident)
    book.commit(other)
    step = book.act(opened.incident.id, "dispatch", SYSTEM, {"teams": ["t1"]}, 12.0)
    assert step is not None
    await store.append_all(step.events, step.incident)

    assert await store.incident(opened.incident.id) == step.incident
    assert [i.id for i in await store.incidents()] == [other.incident.id, opened.incident.id]
    timeline = await store.timeline(opened.incident.id)
    assert [(e.seq, e.type) for e in timeline] == [
        (1, "incident.opened"),
        (4, "incident.transition"),
    ]
    assert timeline[1].audience_teams == ("t1",)


async def test_mixed_incidents_in_one_batch_are_refused(store: EventStore) -> None:
    book = IncidentBook(300, TimersConfig(), counter_ids())
    a = book.on_detection(detection(CAM_A), CAM_A, 10.0)
    with pytest.raises(ValueError, match="one incident"):
        await store.append_all([*a.events, plain_event(1)])
    assert await store.last_seq() == 0


async def test_reopen_keeps_everything(storage: StorageConfig, data_dir: Path) -> None:
    async with open_store(storage, data_dir) as store:
        await store.append_all([plain_event(n) for n in range(5)])
    async with open_store(storage, data_dir) as store:
        assert await store.last_seq() == 5
        again = await store.append(plain_event(6))
        assert again.seq == 6
        assert [e.seq for e in await store.read_since(0)] == [1, 2, 3, 4, 5, 6]


async def test_redis_without_url_is_a_storage_error(data_dir: Path) -> None:
    with pytest.raises(StorageError, match="redis_url"):
        async with open_store(StorageConfig(backend="redis"), data_dir):
            pass


async def test_unreachable_redis_is_a_storage_error(data_dir: Path) -> None:
    from tests.conftest import free_port

    cfg = StorageConfig(backend="redis", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StorageError):
        async with open_store(cfg, data_dir):
            pass
