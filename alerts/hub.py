"""The alert hub: the service the composition root wires to video, dispatch and the web.

It is the adapter around the pure cores: it feeds detections, clips, camera health, actions and
timer ticks to the `IncidentBook` / `CameraWatch`, stores what they decide (an append returns
once durable), then releases the stored events to the live fan-out and to in-process listeners.
Changes to incidents are serialised by one lock, so each decision sees the previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any

from alerts.cameras import CameraRef, CameraWatch
from alerts.config import AlertsConfig
from alerts.errors import Forbidden, NotFound
from alerts.events import Event
from alerts.fanout import Delivered, Fanout
from alerts.incidents import Change, IncidentBook
from alerts.lifecycle import SYSTEM, Incident
from alerts.messages import CommandRequest
from alerts.principals import Directory, Principal, sees_incident
from alerts.store import EventStore
from video.detection import CameraHealth, ClipReady, Detection

log = logging.getLogger(__name__)

Listener = Callable[[Event], Awaitable[None] | None]
CommandHandler = Callable[[Principal, CommandRequest], Awaitable[dict[str, Any] | None]]
REPLAY_PAGE = 500


def _new_id() -> str:
    return uuid.uuid4().hex


class AlertHub:
    def __init__(
        self,
        store: EventStore,
        cfg: AlertsConfig,
        directory: Directory,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self.store = store
        self.cfg = cfg
        self.directory = directory
        self.clock = clock
        self._new_id = new_id
        self._book = IncidentBook(cfg.dedup_window_s, cfg.timers, new_id)
        self._cameras = CameraWatch(new_id)
        self._lock = asyncio.Lock()
        self._commands: dict[str, CommandHandler] = {}
        self._self_authorising: set[str] = set()
        self._listeners: list[Listener] = []
        self._acked: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._fanout: Fanout | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Load incidents and the stream position from the store; start timers and listeners."""
        last = await self.store.last_seq()
        fanout = Fanout(last, self.cfg.recent_events)
        fanout.preload(await self.store.read_since(max(0, last - self.cfg.recent_events)))
        self._book.restore(await self.store.incidents())
        self._fanout = fanout
        for listener in self._listeners:
            self._start_listener(listener)
        self._tasks.append(asyncio.create_task(self._every(self.cfg.timer_tick_s, self.tick)))
        self._tasks.append(asyncio.create_task(self._every(self.cfg.heartbeat_s, self._beat)))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def __aenter__(self) -> AlertHub:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def fanout(self) -> Fanout:
        if self._fanout is None:
            raise RuntimeError("AlertHub.start() was not awaited")
        return self._fanout

    async def _every(self, period: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            await asyncio.sleep(period)
            try:
                await job()
            except Exception:
                log.exception("periodic %s failed; trying again next period", job)

    async def _beat(self) -> None:
        self.fanout.heartbeat()

    # -- listeners ---------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every stored event, in seq order, one call at a time.

        A listener may be sync or async; each has its own unbounded queue (the event rate is
        low and events are never dropped), so a slow listener delays only itself.
        """
        self._listeners.append(listener)
        if self._fanout is not None:
            self._start_listener(listener)

    def _start_listener(self, listener: Listener) -> None:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self.fanout.add_listener(lambda item: queue.put_nowait(item.event))
        self._tasks.append(asyncio.create_task(self._feed(listener, queue)))

    async def _feed(self, listener: Listener, queue: asyncio.Queue[Event]) -> None:
        while True:
            event = await queue.get()
            try:
                result = listener(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("listener %r failed on event %s", listener, event.seq)

    # -- publishing --------------------------------------------------------------------------

    async def publish(self, event: Event) -> Event:
        """Store `event` (it gets its seq), then deliver it; returns the stored event."""
        stored = await self.store.append(event)
        self.fanout.release(stored)
        return stored

    async def _apply(self, change: Change) -> list[Event]:
        stored = await self.store.append_all(change.events, change.incident)
        self._book.commit(change)
        for event in stored:
            self.fanout.release(event)
        return stored

    async def on_detection(self, det: Detection, camera: CameraRef) -> list[Event]:
        async with self._lock:
            return await self._apply(self._book.on_detection(det, camera, self.clock()))

    async def on_clip(self, clip: ClipReady) -> list[Event]:
        async with self._lock:
            change = self._book.on_clip(clip, self.clock())
            if change is None:
                log.warning("clip %s of an unknown detection %s", clip.path, clip.detection_id)
                return []
            return await self._apply(change)

    async def on_camera_health(self, health: CameraHealth, camera: CameraRef) -> Event | None:
        event = self._cameras.on_health(health, camera, self.clock())
        return None if event is None else await self.publish(event)

    async def act(
        self,
        incident_id: str,
        action: str,
        principal: Principal | None,
        data: dict[str, Any] | None = None,
    ) -> list[Event]:
        """Take an incident action as `principal` (None: the system); returns its events."""
        async with self._lock:
            self.incident(incident_id, principal)
            actor = SYSTEM if principal is None else principal.actor
            change = self._book.act(incident_id, action, actor, data or {}, self.clock())
            if change is None:
                raise NotFound(f"no incident {incident_id!r}")
            return await self._apply(change)

    async def tick(self) -> list[Event]:
        """Raise the 1-3-5 timer breaches due by now."""
        async with self._lock:
            stored: list[Event] = []
            for change in self._book.tick(self.clock()):
                stored += await self._apply(change)
            return stored

    # -- commands, reads, acks ---------------------------------------------------------------

    def register_command(
        self, name: str, handler: CommandHandler, *, authorises: bool = False
    ) -> None:
        """Route command `name` to `handler`.

        With `authorises`, the handler itself decides who may act on the incident named (dispatch
        knows which teams it called before the incident's team list catches up with the call);
        otherwise the caller must already see the incident.
        """
        if name in self._commands:
            raise ValueError(f"command {name!r} is already registered")
        self._commands[name] = handler
        if authorises:
            self._self_authorising.add(name)

    async def command(self, principal: Principal, request: CommandRequest) -> dict[str, Any]:
        handler = self._commands.get(request.name)
        if handler is None:
            raise NotFound(f"no command {request.name!r}; known: {sorted(self._commands)}")
        if request.incident_id is not None and request.name not in self._self_authorising:
            self.incident(request.incident_id, principal)
        return await handler(principal, request) or {}

    def incident(self, incident_id: str, principal: Principal | None = None) -> Incident:
        """The incident, if it exists and `principal` (None: the system) may see it."""
        found = self._book.get(incident_id)
        if found is None or (principal is not None and not sees_incident(principal, found)):
            raise NotFound(f"no incident {incident_id!r} visible to you")
        return found

    def incidents(
        self, principal: Principal | None = None, open_only: bool = False
    ) -> list[Incident]:
        return [
            i
            for i in self._book.all()
            if (principal is None or sees_incident(principal, i)) and (i.is_open or not open_only)
        ]

    def record_ack(self, principal: Principal, seq: int) -> None:
        if seq > self.fanout.last_seq:
            raise Forbidden(f"ack of seq {seq} beyond the last event {self.fanout.last_seq}")
        self._acked[principal.id] = max(seq, self._acked.get(principal.id, 0))

    def acked(self, principal_id: str) -> int | None:
        return self._acked.get(principal_id)

    async def catch_up(self, since: int) -> AsyncIterator[list[Delivered]]:
        """Pages of every released event after `since`: from storage, then the recent cache.

        Subscribe before calling this: an event released after the subscription is in the
        subscription's queue, every earlier one is yielded here, and the caller skips the
        queued ones at or below the last seq it sent. Together: no gap and no duplicate.
        """
        last = since
        while last < self.fanout.last_seq:
            recent = self.fanout.recent
            if recent and recent[0].seq <= last + 1:
                break
            page = await self.store.read_since(last, REPLAY_PAGE)
            page = [e for e in page if (e.seq or 0) <= self.fanout.last_seq]
            if not page:
                break
            last = page[-1].seq or last
            yield [Delivered.of(e) for e in page]
        yield [item for item in list(self.fanout.recent) if item.seq > last]
