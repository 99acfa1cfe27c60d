"""Live fan-out of stored events to subscribers, in seq order, each event encoded once.

Each event is encoded once and framed once: a server-to-client WebSocket frame is unmasked
(RFC 6455 §5.1), so the same bytes go to every client. A subscriber that has caught up is
"direct": the fan-out writes the frame straight into its transport, with no task switch per
client. During its replay a subscriber queues events instead, bounded by `capacity`.

Storage hands events back with their seqs possibly out of order (concurrent appends); `release`
holds each one until every lower seq has been released, so subscribers and the recent-events
cache always see a gap-free, increasing sequence. A subscription is a bounded queue: when a
client cannot keep up, its subscription overflows (the client is disconnected and resumes with
`since`), and the fan-out itself never waits and never drops an event for anyone else.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from alerts.events import Event
from alerts.principals import Principal, sees_event


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked WebSocket text frame carrying `payload`."""
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


@dataclass(frozen=True, slots=True)
class Delivered:
    """A stored event with its wire text and frame, shared by every client that receives it."""

    event: Event
    text: str
    frame: bytes

    @property
    def seq(self) -> int:
        return self.event.seq or 0

    @classmethod
    def of(cls, event: Event) -> Delivered:
        if event.seq is None:
            raise ValueError(f"event {event.id} has no seq: only stored events are delivered")
        text = event.encode()
        return cls(event, text, text_frame(text.encode()))


class Overflow(Exception):
    """The subscriber fell `capacity` events behind."""


class Subscription:
    def __init__(self, principal: Principal, capacity: int, buffer_limit: int) -> None:
        self.principal = principal
        self.capacity = capacity
        self.buffer_limit = buffer_limit
        self.last_sent = 0
        self.overflowed = False
        self._overflow_reason = ""
        self._transport: asyncio.WriteTransport | None = None
        self.heartbeat_due = False
        self.heartbeat_through = 0
        self._items: deque[Delivered] = deque()
        self._wake = asyncio.Event()

    def offer(self, item: Delivered) -> None:
        if self.overflowed or not sees_event(self.principal, item.event):
            return
        if self._transport is not None:
            self._write(self._transport, item)
            return
        if len(self._items) >= self.capacity:
            self._overflow(f"more than {self.capacity} events queued")
            self._items.clear()
        else:
            self._items.append(item)
        self._wake.set()

    def _write(self, transport: asyncio.WriteTransport, item: Delivered) -> None:
        if transport.is_closing():
            return  # the connection is ending; the client resumes with since
        if transport.get_write_buffer_size() > self.buffer_limit:
            self._overflow(f"more than {self.buffer_limit} bytes unsent")
            return
        transport.write(item.frame)
        self.last_sent = item.seq

    def _overflow(self, reason: str) -> None:
        self.overflowed = True
        self._overflow_reason = reason
        self._wake.set()

    def take(self) -> list[Delivered]:
        """What is queued now, without waiting."""
        batch = list(self._items)
        self._items.clear()
        return batch

    def go_direct(self, transport: asyncio.WriteTransport, last_sent: int) -> None:
        """From now on write each event straight into `transport`; call with an empty queue."""
        if self._items:
            raise RuntimeError("queued events must be written before going direct")
        self.last_sent = last_sent
        self._transport = transport

    def poke_heartbeat(self, through: int) -> None:
        """Ask for a heartbeat once the events released up to `through` are written."""
        self.heartbeat_due = True
        self.heartbeat_through = through
        self._wake.set()

    async def next_batch(self) -> list[Delivered]:
        """Everything queued (maybe nothing, on a heartbeat); raises Overflow if fallen behind."""
        await self._wake.wait()
        self._wake.clear()
        if self.overflowed:
            raise Overflow(self._overflow_reason)
        return self.take()


class Fanout:
    def __init__(self, last_seq: int, recent: int) -> None:
        self._next = last_seq + 1
        self._pending: dict[int, Delivered] = {}
        self._subscriptions: set[Subscription] = set()
        self._listeners: list[Callable[[Delivered], None]] = []
        self.recent: deque[Delivered] = deque(maxlen=recent)

    @property
    def last_seq(self) -> int:
        """The highest seq released to subscribers."""
        return self._next - 1

    def preload(self, events: list[Event]) -> None:
        """Fill the recent cache with already-released events (after a restart)."""
        self.recent.extend(Delivered.of(e) for e in events if (e.seq or 0) <= self.last_seq)

    def subscribe(self, principal: Principal, capacity: int, buffer_limit: int) -> Subscription:
        sub = Subscription(principal, capacity, buffer_limit)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    def add_listener(self, listener: Callable[[Delivered], None]) -> None:
        self._listeners.append(listener)

    def release(self, event: Event) -> None:
        item = Delivered.of(event)
        if item.seq < self._next:
            raise ValueError(f"seq {item.seq} released twice (next is {self._next})")
        self._pending[item.seq] = item
        while self._next in self._pending:
            ready = self._pending.pop(self._next)
            self._next += 1
            self.recent.append(ready)
            for sub in self._subscriptions:
                sub.offer(ready)
            for listener in self._listeners:
                listener(ready)

    def heartbeat(self) -> None:
        for sub in self._subscriptions:
            sub.poke_heartbeat(self.last_seq)
