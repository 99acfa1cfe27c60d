"""The fallback channel: an SMS / voice gateway reached by HTTP POST.

Phones get call-ups first as websocket pushes (timeline events with `audience_teams`). People
without the app (a cell's responsible person, the duty leader) and teams that did not answer on
the app within `WebhookConfig.remind_after_s` are reached through the gateway instead.

Request: `POST <url>`, `Content-Type: application/json`, header `Idempotency-Key: <id>` (the
same on every retry of one notification), body (version 1)::

    {"v": 1,
     "id": "9f1c…",                                  # one notification, stable across retries
     "kind": "team_call" | "responsible_page" | "leader_page",
     "incident_id": "inc-…", "grid": "cell code" | null, "cell": "cell name" | null,
     "location": [lon, lat],
     "team_id": "team id" | null,
     "message": "text to send as SMS or read out by the voice call",
     "recipients": [{"name": "…", "phone": "+86…" | null, "ref": "member:ID" | "user:ID" | null}],
     "time": 1764500000.0,                            # when dispatch decided to notify
     "attempt": 1}                                    # 1, 2, … on retries

Any 2xx answer is success. 5xx, 408, 429, timeouts and connection errors are retried after
`backoff_s`, doubling each time, up to `max_attempts`; other 4xx mean the gateway refuses the
request and are not retried. The outcome of each notification (not each attempt) goes on the
timeline as one `dispatch.notify` event listing every attempt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from dispatch.config import Coordinate, WebhookConfig
from dispatch.errors import DispatchBug, GatewayError
from dispatch.timeline import TimelinePort, make_event
from dispatch.travel import Clock

NotificationKind = Literal["team_call", "responsible_page", "leader_page"]
RETRY_STATUSES = frozenset({408, 429})


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    phone: str | None
    ref: str | None = Field(None, description="member:ID or user:ID when the person has one")


class WebhookMessage(BaseModel):
    """The documented JSON body (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    id: str
    kind: NotificationKind
    incident_id: str
    grid: str | None
    cell: str | None
    location: Coordinate
    team_id: str | None
    message: str
    recipients: tuple[Recipient, ...]
    time: float
    attempt: int = 1


class Attempt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attempt: int
    status: int | None
    error: str | None


class NotifyResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    notification_id: str
    kind: NotificationKind
    team_id: str | None
    recipients: int
    ok: bool
    attempts: tuple[Attempt, ...]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class WebhookNotifier:
    """Posts notifications in background tasks so a slow gateway never delays a call-up."""

    def __init__(
        self,
        cfg: WebhookConfig,
        timeline: TimelinePort,
        clock: Clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._cfg = cfg
        self._timeline = timeline
        self._clock = clock
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[NotifyResult]] = set()

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._cfg.timeout_s)
        self._session = aiohttp.ClientSession(timeout=timeout)

    async def stop(self) -> None:
        """Cancel notifications still retrying, then close the HTTP session."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def submit(self, message: WebhookMessage) -> None:
        task = asyncio.get_running_loop().create_task(self.deliver(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every submitted notification has its result on the timeline."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def deliver(self, message: WebhookMessage) -> NotifyResult:
        """POST with retries; publish and return the outcome."""
        attempts: list[Attempt] = []
        ok = False
        for n in range(1, self._cfg.max_attempts + 1):
            if n > 1:
                await self._sleep(self._cfg.backoff_s * 2 ** (n - 2))
            try:
                status = await self._post(message.model_copy(update={"attempt": n}))
            except GatewayError as exc:
                attempts.append(Attempt(attempt=n, status=exc.status, error=str(exc)))
                if not exc.retry:
                    break
                continue
            attempts.append(Attempt(attempt=n, status=status, error=None))
            ok = True
            break
        result = NotifyResult(
            notification_id=message.id,
            kind=message.kind,
            team_id=message.team_id,
            recipients=len(message.recipients),
            ok=ok,
            attempts=tuple(attempts),
        )
        await self._timeline.publish(
            make_event(
                "dispatch.notify",
                self._clock(),
                result.to_json(),
                incident_id=message.incident_id,
                grid=message.grid,
            )
        )
        return result

    async def _post(self, message: WebhookMessage) -> int:
        if self._session is None:
            raise DispatchBug("WebhookNotifier.start() was not awaited")
        body = message.model_dump_json()
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.id}
        try:
            async with self._session.post(self._cfg.url, data=body, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return resp.status
                retry = resp.status >= 500 or resp.status in RETRY_STATUSES
                raise GatewayError(
                    f"gateway answered {resp.status} {resp.reason}", status=resp.status, retry=retry
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayError(f"gateway unreachable: {exc!r:.200}") from exc
