"""`firegrid demo`: the bundled township raises the fire camera's alarm, and only that one."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import websockets

from tests.conftest import UNIT
from tests.hub_process import URL_LINE


async def test_demo_alarm_reaches_a_client_within_30_seconds_of_start(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "firegrid", "demo", "--port", "0", "--data", str(tmp_path)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert proc.stdout is not None
    output = ""
    try:
        async with asyncio.timeout(120 * UNIT):  # footage generation on a cold data folder
            while (match := URL_LINE.search(output)) is None:
                line = await proc.stdout.readline()
                assert line, output
                output += line.decode(errors="replace")
        started = asyncio.get_running_loop().time()
        base, token = match.group(1), match.group(2)
        # the ordinary scenes' own verdicts are tested with the detector
        # (tests/video/detector/test_demo_negatives.py); here: the fire's alarm arrives in time
        fire_alarm: dict[str, Any] | None = None
        async with websockets.connect(
            f"{base.replace('http', 'ws')}/ws?token={token}&since=0"
        ) as ws:
            async with asyncio.timeout(35 * UNIT):
                async for raw in ws:
                    frame: dict[str, Any] = json.loads(raw)
                    if frame.get("type") != "incident.opened":
                        continue
                    if frame["data"]["camera_id"] == "cam-dongshan-yard":
                        fire_alarm = frame
                        break
        elapsed = asyncio.get_running_loop().time() - started
        assert fire_alarm is not None, "the stream ended without the fire's alarm"
        assert elapsed < 30 * UNIT, f"the fire's alarm took {elapsed:.1f} s"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(20 * UNIT):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
    assert proc.returncode in (0, -signal.SIGTERM), proc.returncode
