"""The whole chain on real parts: RTSP server → hub → incident → websocket → console page."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.conftest import UNIT
from tests.hub_process import HubProcess, camera, township
from video.footage import shipped_clip
from video.rtsp_fixture import Mount, RtspTestServer

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ServerFactory = Callable[[list[Mount]], RtspTestServer]


@pytest.fixture
def hubs(tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], HubProcess]]:
    started: list[HubProcess] = []

    def make(config: dict[str, Any]) -> HubProcess:
        workdir = tmp_path / f"hub{len(started)}"
        workdir.mkdir()
        hub = HubProcess(config, workdir)
        started.append(hub)
        return hub.start()

    yield make
    for hub in started:
        hub.stop()


async def events_until(url: str, wanted: str, within: float) -> list[dict[str, Any]]:
    """Every event frame received until one of type `wanted` arrives."""
    seen: list[dict[str, Any]] = []
    async with websockets.connect(url) as ws:
        async with asyncio.timeout(within):
            async for raw in ws:
                frame: dict[str, Any] = json.loads(raw)
                if "seq" not in frame:
                    continue
                seen.append(frame)
                if frame["type"] == wanted:
                    return seen
    return seen


def http_get(url: str, token: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


async def test_fire_over_rtsp_reaches_a_websocket_client_with_its_snapshot(
    rtsp_server_factory: ServerFactory,
    fire_clip_264: Path,
    hubs: Callable[[dict[str, Any]], HubProcess],
) -> None:
    server = rtsp_server_factory([Mount(path="/fire", file=fire_clip_264, loop=True)])
    config = township([camera("cam-fire", server.url("/fire"))])
    hub = await asyncio.to_thread(hubs, config)
    seen = await events_until(
        f"{hub.ws_url}?token={hub.token}&since=0", "incident.opened", 60 * UNIT
    )
    opened = seen[-1] if seen else {}
    assert opened.get("type") == "incident.opened", hub.output()[-3000:]
    assert opened["data"]["camera_id"] == "cam-fire"
    assert opened["grid"] == "330106003001"
    assert opened["data"]["kind"] in ("flame", "smoke")
    status, ctype, body = await asyncio.to_thread(
        http_get, hub.base + opened["data"]["snapshot"], hub.token
    )
    assert status == 200
    assert ctype == "image/jpeg"
    assert body[:2] == b"\xff\xd8"


async def test_a_quiet_street_over_rtsp_raises_nothing(
    rtsp_server_factory: ServerFactory,
    cctv_clip_264: Path,
    hubs: Callable[[dict[str, Any]], HubProcess],
) -> None:
    server = rtsp_server_factory([Mount(path="/street", file=cctv_clip_264, loop=True)])
    hub = await asyncio.to_thread(hubs, township([camera("cam-street", server.url("/street"))]))
    await asyncio.sleep(20 * UNIT)
    _, _, body = await asyncio.to_thread(http_get, hub.base + "/api/cameras/status", hub.token)
    cameras = {c["camera_id"]: c for c in json.loads(body)["cameras"]}
    # the camera really streamed and was analysed: silence is the detector's, not a dead pipe
    assert cameras["cam-street"]["state"] == "online"
    assert cameras["cam-street"]["analysed_fps"] > 0
    # a patrol member's phone is not shown the township's cameras
    _, _, body = await asyncio.to_thread(
        http_get, hub.base + "/api/cameras/status", "demo-member-lv"
    )
    assert json.loads(body)["cameras"] == []
    _, _, body = await asyncio.to_thread(http_get, hub.base + "/api/incidents", hub.token)
    assert json.loads(body)["incidents"] == []


async def test_a_websocket_without_a_valid_token_is_refused(
    hubs: Callable[[dict[str, Any]], HubProcess],
) -> None:
    hub = await asyncio.to_thread(hubs, township([]))
    for query in ("", "?token=not-a-token"):
        with pytest.raises(InvalidStatus) as info:
            async with websockets.connect(hub.ws_url + query):
                pass
        assert info.value.response.status_code == 401


def test_the_console_shows_the_alarm_in_chromium(
    hubs: Callable[[dict[str, Any]], HubProcess],
) -> None:
    from playwright.sync_api import sync_playwright

    clip = shipped_clip("house6.mp4")
    hub = hubs(township([camera("cam-yard", str(clip))]))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
                *("--disable-component-update", "--disable-sync", "--no-first-run"),
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.goto(f"{hub.base}/?token={hub.token}")
            page.wait_for_selector(".link.online", timeout=10_000 * UNIT)
            item = page.wait_for_selector("li.incident", timeout=60_000 * UNIT)
            assert item is not None
            assert "测试摄像头 cam-yard" in item.inner_text()
            page.wait_for_function(
                "document.querySelector('#detail-snapshot').naturalWidth > 0",
                timeout=10_000 * UNIT,
            )
            page.screenshot(path=str(ARTIFACTS / "console-alarm.png"))
            # the call-up started by itself; the operator closes the incident from the page
            page.click("button[data-action=resolve]")
            page.wait_for_selector("#detail-state.state-resolved", timeout=10_000 * UNIT)
        finally:
            browser.close()


def test_serve_with_an_invalid_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    import subprocess
    import sys

    import yaml

    config = township([camera("cam-x", "/nonexistent.mp4", grid="nowhere")])
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "firegrid", "serve", "--config", str(path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cameras[0].grid: unknown grid cell 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr
