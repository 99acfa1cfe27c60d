from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from dispatch.config import DispatchConfig, WebhookConfig
from dispatch.notify import Recipient, WebhookMessage, WebhookNotifier
from dispatch.service import DispatchService
from tests.conftest import UNIT, free_port
from tests.dispatch.township import T0, FakeClock, ListTimeline, build_grid, build_registry, opened


@dataclass
class Gateway:
    """A real local HTTP server that fails the first `failures` requests with `status`."""

    failures: int = 0
    status: int = 503
    requests: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append((body, request.headers.get("Idempotency-Key", "")))
        if len(self.requests) <= self.failures:
            return web.Response(status=self.status, text="try later")
        return web.json_response({"queued": True})


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    gw = Gateway()
    app = web.Application()
    app.router.add_post("/send", gw.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    gw.url = f"http://{host}:{port}/send"
    yield gw
    await runner.cleanup()


class SleepLog:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def message() -> WebhookMessage:
    return WebhookMessage(
        id="n-1",
        kind="responsible_page",
        incident_id="inc-1",
        grid="A",
        cell="community A",
        location=(120.1, 30.2),
        team_id=None,
        message="Fire in community A",
        recipients=(Recipient(name="Wang", phone="13800000001"),),
        time=T0,
    )


async def notifier_for(
    url: str, timeline: ListTimeline, sleep: SleepLog, **cfg: Any
) -> WebhookNotifier:
    notifier = WebhookNotifier(
        WebhookConfig(url=url, backoff_s=0.5, timeout_s=2 * UNIT, **cfg),
        timeline,
        FakeClock(),
        sleep,
    )
    await notifier.start()
    return notifier


async def test_a_failing_gateway_is_retried_with_backoff(gateway: Gateway) -> None:
    gateway.failures = 2
    timeline, sleep = ListTimeline(), SleepLog()
    notifier = await notifier_for(gateway.url, timeline, sleep)
    try:
        result = await notifier.deliver(message())
    finally:
        await notifier.stop()
    assert result.ok
    assert [(a.attempt, a.status) for a in result.attempts] == [(1, 503), (2, 503), (3, 200)]
    assert sleep.delays == [0.5, 1.0]
    assert [body["attempt"] for body, _ in gateway.requests] == [1, 2, 3]
    assert {key for _, key in gateway.requests} == {"n-1"}
    body = gateway.requests[0][0]
    assert (
        body["v"] == 1 and body["kind"] == "responsible_page" and body["location"] == [120.1, 30.2]
    )
    assert WebhookMessage.model_validate(body).recipients[0].phone == "13800000001"
    event = timeline.of("dispatch.notify")[0]
    assert (event.incident_id, event.grid) == ("inc-1", "A")
    assert event.data["ok"] is True and len(event.data["attempts"]) == 3
    assert event.data["attempts"][0] == {
        "attempt": 1,
        "status": 503,
        "error": "gateway answered 503 Service Unavailable",
    }


async def test_a_refusal_is_not_retried(gateway: Gateway) -> None:
    gateway.failures, gateway.status = 5, 400
    timeline, sleep = ListTimeline(), SleepLog()
    notifier = await notifier_for(gateway.url, timeline, sleep)
    try:
        result = await notifier.deliver(message())
    finally:
        await notifier.stop()
    assert not result.ok and len(result.attempts) == 1 and sleep.delays == []
    assert timeline.of("dispatch.notify")[0].data["ok"] is False


async def test_an_unreachable_gateway_gives_up_after_max_attempts() -> None:
    timeline, sleep = ListTimeline(), SleepLog()
    url = f"http://127.0.0.1:{free_port()}/send"
    notifier = await notifier_for(url, timeline, sleep, max_attempts=3)
    try:
        result = await notifier.deliver(message())
    finally:
        await notifier.stop()
    assert not result.ok
    assert [a.status for a in result.attempts] == [None, None, None]
    assert all("unreachable" in (a.error or "") for a in result.attempts)
    assert sleep.delays == [0.5, 1.0]


async def test_the_service_pages_through_the_gateway(gateway: Gateway) -> None:
    gateway.failures = 1
    clock = FakeClock()
    timeline = ListTimeline()
    webhook = WebhookConfig(url=gateway.url, backoff_s=0.01, remind_after_s=15)
    cfg = DispatchConfig(webhook=webhook, duty_leader="leader-1", duty_leader_phone="13900000009")
    notifier = WebhookNotifier(webhook, timeline, clock)
    service = DispatchService(build_grid(), build_registry(clock), cfg, timeline, notifier, clock)
    await notifier.start()
    try:
        await service.on_event(opened("inc-1", "A", (120.1095, 30.205)))
        clock.advance(15)
        await service.tick()  # a2 and a1 silent on the app: SMS/voice reminders
        clock.advance(30)
        await service.tick()  # tier 1 timed out: b1 and c1 called
        clock.advance(45)
        await service.tick()  # b1, c1 reminded, then timed out: page the duty leader
        await asyncio.wait_for(notifier.drain(), 10 * UNIT)
    finally:
        await notifier.stop()
    delivered = [body for body, _ in gateway.requests[1:]]  # the first request failed
    kinds = sorted((b["kind"], b["team_id"]) for b in delivered)
    assert kinds == [
        ("leader_page", None),
        ("responsible_page", None),
        ("team_call", "a1"),
        ("team_call", "a2"),
        ("team_call", "b1"),
        ("team_call", "c1"),
    ]
    leader = next(b for b in delivered if b["kind"] == "leader_page")
    assert leader["recipients"] == [
        {"name": "leader-1", "phone": "13900000009", "ref": "user:leader-1"}
    ]
    team_call = next(b for b in delivered if b["team_id"] == "a1")
    assert [r["ref"] for r in team_call["recipients"]] == ["member:a1-m0", "member:a1-m1"]
    results = timeline.of("dispatch.notify")
    assert len(results) == 6 and all(e.data["ok"] for e in results)
    assert sum(len(e.data["attempts"]) for e in results) == 7
    assert json.loads(results[0].encode())["type"] == "dispatch.notify"
