"""The Redis event store: a Stream for the event log, a hash for incident snapshots.

One Lua script appends a batch atomically: it advances the seq counter, XADDs each event with
the stream ID `<seq>-0` (so a client's `since` maps straight onto XRANGE), records the seqs in
the incident's timeline list and in a list per event type, and HSETs the incident's snapshot.
Either all of it happens or none. The stored JSON has `"seq": null`; the stream ID is the single
source of the seq.

The per-type lists let `events_of_type` (state kept outside incidents, such as each team's duty,
read back at start) fetch just those events instead of paging through the whole stream, which
in a city's long-running stream is millions of events. Events stored before the lists existed
are not in them: a store written by an older version should be read with
`EventStore.events_of_type`, the paged default.

Durability across a kill of the hub holds once EVAL returns; durability across a kill of Redis
itself is Redis's configuration (`appendonly yes`, `appendfsync always` for the same guarantee
as the SQLite backend).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from alerts.errors import StorageError
from alerts.events import Event
from alerts.lifecycle import Incident
from alerts.store import EventStore, incident_of

# KEYS: seq counter, stream, incidents hash, timeline list (unused when ARGV[2] is ""), then
# the type list of each event, in order.
# ARGV: incident JSON or "", incident id or "", event bodies…
APPEND = """
local first = redis.call('INCRBY', KEYS[1], #ARGV - 2) - (#ARGV - 2) + 1
for i = 3, #ARGV do
    local seq = first + i - 3
    redis.call('XADD', KEYS[2], seq .. '-0', 'e', ARGV[i])
    if ARGV[2] ~= '' then redis.call('RPUSH', KEYS[4], seq) end
    redis.call('RPUSH', KEYS[i + 2], seq)
end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], ARGV[1]) end
return first
"""


MAX_CONNECTIONS = 32
POOL_TIMEOUT_S = 10.0


def _seq_of(stream_id: str) -> int:
    return int(stream_id.partition("-")[0])


class RedisStore(EventStore):
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._redis = client
        self._keys = [f"{prefix}:seq", f"{prefix}:events", f"{prefix}:incidents"]
        self._timeline_prefix = f"{prefix}:timeline:"
        self._type_prefix = f"{prefix}:type:"
        self._append = client.register_script(APPEND)

    @classmethod
    async def open(cls, url: str, prefix: str) -> RedisStore:
        # A blocking pool: a burst of replays (every client resuming after a restart) waits
        # for one of a bounded number of connections instead of failing.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=MAX_CONNECTIONS, timeout=POOL_TIMEOUT_S, decode_responses=True
        )
        client = aioredis.Redis(connection_pool=pool)
        try:
            await client.ping()
        except RedisError as err:
            await client.aclose(close_connection_pool=True)
            raise StorageError(f"redis {url}: {err}") from err
        return cls(client, prefix)

    async def _call(self, name: str, *args: Any) -> Any:
        try:
            return await getattr(self._redis, name)(*args)
        except RedisError as err:
            raise StorageError(f"redis {name}: {err}") from err

    async def append_all(
        self, events: Sequence[Event], incident: Incident | None = None
    ) -> list[Event]:
        incident_id = incident_of(events)
        keys = [
            *self._keys,
            f"{self._timeline_prefix}{incident_id or ''}",
            *(f"{self._type_prefix}{e.type}" for e in events),
        ]
        body = "" if incident is None else json.dumps(incident.to_json())
        args = [body, incident_id or "", *(e.encode() for e in events)]
        if incident is not None and incident.id != incident_id:
            raise ValueError(f"snapshot of {incident.id} stored with events of {incident_id}")
        try:
            first = int(await self._append(keys=keys, args=args))
        except RedisError as err:
            raise StorageError(f"redis append: {err}") from err
        return [e.with_seq(first + i) for i, e in enumerate(events)]

    def _decode(self, entries: list[tuple[str, dict[str, str]]]) -> list[Event]:
        return [Event.decode(fields["e"]).with_seq(_seq_of(sid)) for sid, fields in entries]

    async def read_since(self, seq: int, limit: int = 1000) -> list[Event]:
        entries = await self._call("xrange", self._keys[1], f"{seq + 1}-0", "+", limit)
        return self._decode(entries)

    async def last_seq(self) -> int:
        value = await self._call("get", self._keys[0])
        return 0 if value is None else int(value)

    async def timeline(self, incident_id: str) -> list[Event]:
        return await self._listed(f"{self._timeline_prefix}{incident_id}")

    async def events_of_type(self, type_: str, page: int = 1000) -> list[Event]:
        """The events its type list names; `page` is how many are fetched per round trip."""
        return await self._listed(f"{self._type_prefix}{type_}", page)

    async def _listed(self, key: str, page: int = 1000) -> list[Event]:
        """The events whose seqs the list at `key` holds, in its order."""
        seqs = await self._call("lrange", key, 0, -1)
        found: list[Event] = []
        try:
            for start in range(0, len(seqs), page):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for seq in seqs[start : start + page]:
                        pipe.xrange(self._keys[1], f"{seq}-0", f"{seq}-0")
                    entries = await pipe.execute()
                found += (event for batch in entries for event in self._decode(batch))
        except RedisError as err:
            raise StorageError(f"redis read of {key}: {err}") from err
        return found

    async def incident(self, incident_id: str) -> Incident | None:
        body = await self._call("hget", self._keys[2], incident_id)
        return None if body is None else Incident.from_json(json.loads(body))

    async def incidents(self) -> list[Incident]:
        bodies: dict[str, str] = await self._call("hgetall", self._keys[2])
        found = [Incident.from_json(json.loads(b)) for b in bodies.values()]
        return sorted(found, key=lambda i: i.opened_at, reverse=True)

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)
