"""The embedded event store: SQLite in WAL mode, driven by one dedicated thread.

Durability: `journal_mode=WAL` with `synchronous=FULL`. In WAL mode NORMAL already survives a
kill of the process (the WAL is in the OS page cache), but not a power cut or kernel crash, which
can lose the last commits. A fire alarm that was acknowledged to an operator must survive those
too, and our write rate (tens of events a second) affords one fsync of the WAL per commit.

Every call runs on a single-thread executor that owns the connection, so the event loop never
waits on disk and writes are serialised without locks. Seqs come from a counter the thread
loads at open and advances only after a commit, so they have no holes.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from alerts.errors import StorageError
from alerts.events import Event
from alerts.lifecycle import Incident
from alerts.store import EventStore, incident_of

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    incident_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_incident ON events (incident_id, seq);
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    opened_at REAL NOT NULL,
    body TEXT NOT NULL
);
"""


class SqliteStore(EventStore):
    def __init__(self, path: Path, executor: ThreadPoolExecutor) -> None:
        self._path = path
        self._executor = executor
        self._conn: sqlite3.Connection | None = None
        self._last = 0

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        store = cls(path, ThreadPoolExecutor(1, thread_name_prefix="alerts-sqlite"))
        try:
            await store._run(store._open_sync)
        except BaseException:
            store._executor.shutdown(wait=True)
            raise
        return store

    async def _run(self, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
        except sqlite3.Error as err:
            raise StorageError(f"sqlite {self._path}: {err}") from err

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"sqlite store {self._path} is closed")
        return self._conn

    def _open_sync(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SCHEMA)
        self._last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        self._conn = conn

    async def append_all(
        self, events: Sequence[Event], incident: Incident | None = None
    ) -> list[Event]:
        incident_id = incident_of(events)
        return await self._run(lambda: self._append_sync(events, incident_id, incident))

    def _append_sync(
        self, events: Sequence[Event], incident_id: str | None, incident: Incident | None
    ) -> list[Event]:
        db = self._db()
        stored = [e.with_seq(self._last + i) for i, e in enumerate(events, start=1)]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO events (seq, incident_id, body) VALUES (?, ?, ?)",
                [(e.seq, incident_id, e.encode()) for e in stored],
            )
            if incident is not None:
                db.execute(
                    "INSERT OR REPLACE INTO incidents (id, opened_at, body) VALUES (?, ?, ?)",
                    (incident.id, incident.opened_at, json.dumps(incident.to_json())),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._last += len(stored)
        return stored

    async def read_since(self, seq: int, limit: int = 1000) -> list[Event]:
        query = "SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
        rows = await self._run(lambda: self._db().execute(query, (seq, limit)).fetchall())
        return [Event.decode(body) for (body,) in rows]

    async def last_seq(self) -> int:
        return self._last

    async def timeline(self, incident_id: str) -> list[Event]:
        query = "SELECT body FROM events WHERE incident_id = ? ORDER BY seq"
        rows = await self._run(lambda: self._db().execute(query, (incident_id,)).fetchall())
        return [Event.decode(body) for (body,) in rows]

    async def events_of_type(self, type_: str, page: int = 1000) -> list[Event]:
        # Filtered inside SQLite: only the matching events are decoded in Python.
        query = "SELECT body FROM events WHERE json_extract(body, '$.type') = ? ORDER BY seq"
        rows = await self._run(lambda: self._db().execute(query, (type_,)).fetchall())
        return [Event.decode(body) for (body,) in rows]

    async def incident(self, incident_id: str) -> Incident | None:
        query = "SELECT body FROM incidents WHERE id = ?"
        row = await self._run(lambda: self._db().execute(query, (incident_id,)).fetchone())
        return None if row is None else Incident.from_json(json.loads(row[0]))

    async def incidents(self) -> list[Incident]:
        query = "SELECT body FROM incidents ORDER BY opened_at DESC"
        rows = await self._run(lambda: self._db().execute(query).fetchall())
        return [Incident.from_json(json.loads(body)) for (body,) in rows]

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._run(conn.close)
        self._executor.shutdown(wait=True)
