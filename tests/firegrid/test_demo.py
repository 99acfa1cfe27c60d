"""`firegrid demo`: the bundled township raises the fire camera's alarm, and only that one."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import websockets

from tests.conftest import UNIT

URL_LINE = re.compile(rb"console at (http://[^/]+)/\?token=(\S+)")


async def test_demo_alarm_reaches_a_client_within_30_seconds_of_start(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "firegrid", "demo", "--port", "0", "--data", str(tmp_path)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert proc.stdout is not None
    output = b""
    try:
        async with asyncio.timeout(120 * UNIT):  # footage generation on a cold data folder
            while (match := URL_LINE.search(output)) is None:
                line = await proc.stdout.readline()
                assert line, output.decode(errors="replace")
                output += line
        started = asyncio.get_running_loop().time()
        base, token = match.group(1).decode(), match.group(2).decode()
        opened: list[tuple[float, dict[str, Any]]] = []
        # listen for the whole window: an alarm from an ordinary scene would fail the demo too
        async with websockets.connect(
            f"{base.replace('http', 'ws')}/ws?token={token}&since=0"
        ) as ws:
            try:
                async with asyncio.timeout(35 * UNIT):
                    async for raw in ws:
                        frame = json.loads(raw)
                        if frame.get("type") == "incident.opened":
                            opened.append((asyncio.get_running_loop().time() - started, frame))
            except TimeoutError:
                pass
        assert opened, "no alarm from the demo township within 35 s"
        assert [f["data"]["camera_id"] for _, f in opened] == ["cam-dongshan-yard"]
        assert opened[0][0] < 30 * UNIT
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(20 * UNIT):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
    assert proc.returncode in (0, -signal.SIGTERM), proc.returncode
