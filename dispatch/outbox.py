"""Dispatch's decided events on their way to the timeline: in order, and durable before any
answer that depends on them.

The service decides synchronously (pure call-ups) and queues the events of its decisions here;
`flush` publishes them. Callers of `flush` are the timer, the hub's listener and each command,
each in its own task. One that finds another task publishing waits for its turn rather than
leaving its events to the other: a command's answer must not go out before its events are
stored, or a crash right after the answer loses them. A `flush` nested in our own publish (a
timeline that hands events to listeners synchronously) returns at once; the loop it is nested
in publishes what it queued, in order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from alerts.events import Event
from dispatch.timeline import TimelinePort


class EventOutbox:
    def __init__(self, timeline: TimelinePort) -> None:
        self._timeline = timeline
        self._queue: deque[Event] = deque()
        self._lock = asyncio.Lock()
        self._publisher: asyncio.Task[Any] | None = None

    def add(self, event: Event) -> None:
        self._queue.append(event)

    async def flush(self) -> None:
        """Publish every queued event in order; return once the caller's events are stored.

        An event whose publish fails stays first in the queue for the next flush.
        """
        task = asyncio.current_task()
        if self._publisher is task:
            return
        async with self._lock:
            self._publisher = task
            try:
                while self._queue:
                    await self._timeline.publish(self._queue[0])
                    self._queue.popleft()
            finally:
                self._publisher = None
