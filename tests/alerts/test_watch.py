"""`firegrid watch` against a real hub: printing lines, refusal, URL forms."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from alerts.watch import Follower, ws_url
from tests.alerts.conftest import plain_event
from tests.alerts.hubfixtures import OPERATOR, SCOPED, RunningHub
from tests.conftest import UNIT


def test_ws_url_forms() -> None:
    assert ws_url("http://h:1", "tok", None) == "ws://h:1/ws?token=tok"
    assert ws_url("wss://h/ws", "t k", 5) == "wss://h/ws?token=t+k&since=5"


async def test_watch_prints_each_event_as_a_json_line(running: RunningHub) -> None:
    for n in range(3):
        await running.hub.publish(plain_event(n))
    watch = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from alerts.watch import cli_main; sys.exit(cli_main(sys.argv[1:]))",
        "--url",
        running.url,
        "--token",
        OPERATOR.token,
        "--since",
        "1",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert watch.stdout is not None
    try:
        async with asyncio.timeout(15 * UNIT):
            lines = [json.loads(await watch.stdout.readline()) for _ in range(2)]
            await running.hub.publish(plain_event(9))
            lines.append(json.loads(await watch.stdout.readline()))
    finally:
        watch.kill()
        await watch.wait()
    assert [line["seq"] for line in lines] == [2, 3, 4]


async def test_watch_refused_token_exits_2(running: RunningHub) -> None:
    watch = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from alerts.watch import cli_main; sys.exit(cli_main(sys.argv[1:]))",
        "--url",
        running.url,
        "--token",
        "not-a-token",
        stderr=subprocess.PIPE,
    )
    async with asyncio.timeout(15 * UNIT):
        _, err = await watch.communicate()
    assert watch.returncode == 2 and b"401" in err


async def test_scoped_follower_advances_through_invisible_events(running: RunningHub) -> None:
    """A scoped client sees none of these, yet `replayed.through` moves its resume point."""
    for n in range(5):
        await running.hub.publish(plain_event(n, grid="cell-1"))
    follower = Follower(running.url, SCOPED.token, 0, lambda text, frame: None)
    task = asyncio.create_task(follower.run())
    try:
        async with asyncio.timeout(10 * UNIT):
            await follower.reached(5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert follower.last == 5
