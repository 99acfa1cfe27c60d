"""A real hub on a loopback port for the protocol tests: store, directory, app, server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from alerts.config import AlertsConfig, StorageConfig
from alerts.http_api import add_alert_routes
from alerts.hub import AlertHub
from alerts.principals import Directory, Principal
from alerts.store import open_store
from tests.conftest import UNIT

OPERATOR = Principal("op", "operator", "Operator", token="op-token-0001")
SCOPED = Principal(
    "op2", "operator", "Cell 2 operator", token="op2-token-0001", scope_cells=frozenset({"cell-2"})
)
RESPONDER = Principal("m1", "responder", "Member", token="m1-token-0001", team_id="t1")
LEADER = Principal("boss", "leader", "Leader", token="boss-token-0001")
PRINCIPALS = (OPERATOR, SCOPED, RESPONDER, LEADER)


@dataclass
class RunningHub:
    hub: AlertHub
    url: str

    def ws_url(self, principal: Principal, since: int | None = None) -> str:
        query = f"?token={principal.token}" + ("" if since is None else f"&since={since}")
        return f"{self.url.replace('http', 'ws', 1)}/ws{query}"


async def run_hub(
    storage: StorageConfig, data_dir: Path, cfg: AlertsConfig | None = None
) -> AsyncIterator[RunningHub]:
    """Yield a started hub serving on a free port; everything is closed afterwards."""
    async with open_store(storage, data_dir) as store:
        hub = AlertHub(store, cfg or AlertsConfig(), Directory(PRINCIPALS))
        app = web.Application()
        add_alert_routes(app, hub)
        runner = web.AppRunner(app, shutdown_timeout=2 * UNIT)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield RunningHub(hub, f"http://127.0.0.1:{port}")
        finally:
            await runner.cleanup()


async def receive_json(ws: aiohttp.ClientWebSocketResponse, wait_s: float = 5 * UNIT) -> Any:
    msg = await ws.receive(timeout=wait_s)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def receive_until(
    ws: aiohttp.ClientWebSocketResponse, frame_type: str, wait_s: float = 5 * UNIT
) -> list[Any]:
    """Frames up to and including the first of `frame_type`, skipping heartbeats."""
    frames = []
    while True:
        frame = await receive_json(ws, wait_s)
        if frame["type"] != "heartbeat":
            frames.append(frame)
        if frame["type"] == frame_type:
            return frames
