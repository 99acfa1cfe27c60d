"""The event store: one append-only, durable stream of events plus incident snapshots.

Storage assigns each event its `seq` (1, 2, 3, … with no holes) when the append commits; an
append returns only after the events and the incident snapshot they leave behind are durable
together, so an acknowledged event survives a kill of the hub. Two backends implement it:
`alerts.store_sqlite` (embedded default) and `alerts.store_redis` (Streams + a hash).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from alerts.config import StorageConfig
from alerts.errors import StorageError
from alerts.events import Event
from alerts.lifecycle import Incident


class EventStore(ABC):
    @abstractmethod
    async def append_all(
        self, events: Sequence[Event], incident: Incident | None = None
    ) -> list[Event]:
        """Store `events` (all of one incident, or of none) and `incident` atomically.

        Returns the events with their seqs, in order, once they are durable.
        """

    async def append(self, event: Event, incident: Incident | None = None) -> Event:
        (stored,) = await self.append_all([event], incident)
        return stored

    @abstractmethod
    async def read_since(self, seq: int, limit: int = 1000) -> list[Event]:
        """Up to `limit` events with seq > `seq`, in seq order."""

    @abstractmethod
    async def last_seq(self) -> int:
        """The seq of the last stored event; 0 for an empty store."""

    @abstractmethod
    async def timeline(self, incident_id: str) -> list[Event]:
        """Every event of one incident, in seq order."""

    @abstractmethod
    async def incident(self, incident_id: str) -> Incident | None: ...

    @abstractmethod
    async def incidents(self) -> list[Incident]:
        """Every incident's latest snapshot, newest first."""

    async def events_of_type(self, type_: str, page: int = 1000) -> list[Event]:
        """Every stored event of `type_`, in seq order (for state kept outside incidents, read
        back once at start). Here: the whole stream read in pages; a backend may do better."""
        found: list[Event] = []
        seq = 0
        while events := await self.read_since(seq, page):
            found += (e for e in events if e.type == type_)
            last = events[-1].seq
            if last is None or last <= seq:
                raise StorageError(f"the store's read_since({seq}) gave no rising seq")
            seq = last
        return found

    @abstractmethod
    async def close(self) -> None: ...


def incident_of(events: Sequence[Event]) -> str | None:
    """The one incident a batch belongs to; mixing incidents in one batch is a caller's bug."""
    ids = {e.incident_id for e in events}
    if len(ids) != 1:
        raise ValueError(f"one append holds events of one incident, got {sorted(map(str, ids))}")
    return ids.pop()


@asynccontextmanager
async def open_store(cfg: StorageConfig, data_dir: Path) -> AsyncIterator[EventStore]:
    """The configured backend, opened and closed around the block."""
    store: EventStore
    if cfg.backend == "sqlite":
        from alerts.store_sqlite import SqliteStore

        store = await SqliteStore.open(data_dir / "events.sqlite3")
    else:
        if cfg.redis_url is None:
            raise StorageError("storage.backend is redis but storage.redis_url is not set")
        from alerts.store_redis import RedisStore

        store = await RedisStore.open(cfg.redis_url, cfg.redis_prefix)
    try:
        yield store
    finally:
        await store.close()
