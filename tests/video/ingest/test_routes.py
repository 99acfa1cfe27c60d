"""The status and metrics routes, served by a real aiohttp server over a running supervisor."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web

from tests.conftest import UNIT
from tests.video.ingest.clips import encode_h264
from tests.video.ingest.test_faults import FAST, camera, start, state
from video.ingest.routes import add_ingest_routes


async def test_status_and_metrics_over_http(tmp_path: Path, data_dir: Path) -> None:
    clip = encode_h264(tmp_path / "a.264", seconds=1.0)
    supervisor, got = await start([camera(str(clip), id="file1")], data_dir, FAST)
    app = web.Application()
    add_ingest_routes(app, supervisor)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await got.wait_for(state("online"), 10 * UNIT)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            async with http.get("/api/cameras/status") as response:
                assert response.status == 200
                body = await response.json()
            async with http.get("/metrics") as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                metrics = await response.text()
    finally:
        await runner.cleanup()
        await supervisor.stop()
    [status] = body["cameras"]
    assert (status["type"], status["camera_id"], status["state"]) == (
        "camera_health",
        "file1",
        "online",
    )
    assert 'firegrid_camera_state{camera="file1",state="online"} 1' in metrics
