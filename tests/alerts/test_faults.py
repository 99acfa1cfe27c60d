"""Fault tests: SIGKILL the hub process during a burst, restart it, and count every event.

The hub runs as a real process (`python -m alerts.bench_peers hub`) on a fixed port, printing
each seq its store acknowledged. Real clients (`alerts.watch.Follower` on `websockets`) follow
it through the kill and the restart; one more client is offline for the whole burst and joins
afterwards. Every client must end with exactly seqs 1..last, in order, and every acknowledged
seq must have survived the kill. Both storage backends.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from alerts.bench_peers import BENCH
from alerts.watch import Follower
from tests.conftest import UNIT, RedisServer, free_port


@dataclass
class HubProcess:
    args: list[str]
    proc: subprocess.Popen[str] | None = None
    ready: dict[str, Any] = field(default_factory=dict)

    def spawn(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alerts.bench_peers", "hub", *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    async def start(self) -> None:
        self.spawn()
        self.ready = await self.line()

    async def line(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        async with asyncio.timeout(20 * UNIT):
            text = await asyncio.to_thread(self.proc.stdout.readline)
        assert text, "the hub process ended"
        obj: dict[str, Any] = json.loads(text)
        return obj

    def send(self, command: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10 * UNIT)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10 * UNIT)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture(params=["sqlite", "redis"])
async def hub_args(request: pytest.FixtureRequest, data_dir: Path) -> AsyncIterator[list[str]]:
    backend: str = request.param
    args = ["--backend", backend, "--data-dir", str(data_dir), "--port", str(free_port())]
    if backend == "redis":
        redis: RedisServer = request.getfixturevalue("redis_server")
        args += ["--redis-url", redis.url, "--redis-prefix", f"fault{os.getpid()}{id(args)}"]
    yield args


async def _follow_until(follower: Follower, last: int, stop: asyncio.Event) -> None:
    task = asyncio.create_task(follower.run(stop))
    try:
        async with asyncio.timeout(30 * UNIT):
            await follower.reached(last)
    finally:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _recorder(into: list[int]) -> Any:
    return lambda text, frame: into.append(frame["seq"])


async def test_sigkill_during_a_burst_loses_nothing(hub_args: list[str]) -> None:
    burst = ["--rate", "400", "--seconds", "1", "--acks"]
    first = HubProcess([*hub_args, *burst])
    await first.start()
    port = hub_args[hub_args.index("--port") + 1]
    url = f"ws://127.0.0.1:{port}/ws"
    received: list[list[int]] = [[] for _ in range(4)]
    followers = [
        Follower(url, BENCH.token, 0, _recorder(seqs), backoff_s=0.05, backoff_max_s=0.5)
        for seqs in received
    ]
    stop = asyncio.Event()
    runs = [asyncio.create_task(f.run(stop)) for f in followers]
    restarted = HubProcess([*hub_args, "--rate", "200", "--seconds", "0.5"])
    try:
        async with asyncio.timeout(10 * UNIT):
            await asyncio.gather(*(f.connected.wait() for f in followers))
        first.send("go")
        acked = 0
        while acked < 150:  # kill it in the middle of the burst
            acked = (await first.line())["acked"]
        first.kill()

        await restarted.start()
        assert restarted.ready["last_seq"] >= acked, "an acknowledged event was lost"
        restarted.send("go")
        done = await restarted.line()
        final = done["done"]
        assert final == restarted.ready["last_seq"] + 100

        late: list[int] = []
        offline = Follower(url, BENCH.token, 0, _recorder(late))
        await _follow_until(offline, final, asyncio.Event())
        async with asyncio.timeout(30 * UNIT):
            await asyncio.gather(*(f.reached(final) for f in followers))
    finally:
        stop.set()
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        first.stop()
        restarted.stop()
    for seqs in [*received, late]:
        assert seqs == list(range(1, final + 1))
    assert all(f.connections >= 2 for f in followers), "every client resumed after the kill"
