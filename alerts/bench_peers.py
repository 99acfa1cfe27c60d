"""The two kinds of processes `firegrid bench fanout` starts: the hub and a client swarm.

Both talk to the orchestrating parent with one JSON object per line (stdout) and take plain
commands on stdin (`go`, `end <seq>`, `stop`), so the parent can measure each process apart.

- hub: a real `AlertHub` with `add_alert_routes` on port 0; on `go` it publishes `rate`
  events a second for `seconds`, each stamped with its publish wall time.
- clients: N minimal WebSocket clients (`alerts.bench_client`) resuming with `since`; some
  drop once at a random moment and resume after a random pause (churn). On `end <seq>` each
  waits until it has everything up to `seq`; then the swarm reports what was lost, duplicated,
  and the latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from alerts.bench_client import RawClient
from alerts.config import AlertsConfig, StorageConfig
from alerts.events import Event
from alerts.fanout import Delivered
from alerts.http_api import add_alert_routes
from alerts.hub import AlertHub
from alerts.principals import Directory, Principal
from alerts.store import open_store

BENCH = Principal("bench", "operator", "Bench operator", token="bench-token-0001")


def say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def read_line() -> str:
    line: str = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise SystemExit("parent went away")
    return line.strip()


async def run_hub(args: argparse.Namespace) -> None:
    prefix = args.redis_prefix or f"bench{uuid.uuid4().hex[:8]}"
    storage = StorageConfig(backend=args.backend, redis_url=args.redis_url, redis_prefix=prefix)
    cfg = AlertsConfig(client_queue=args.client_queue)
    async with open_store(storage, Path(args.data_dir)) as store:
        hub = AlertHub(store, cfg, Directory([BENCH]))
        app = web.Application()
        add_alert_routes(app, hub)
        runner = web.AppRunner(app, shutdown_timeout=2)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port, backlog=4096, reuse_address=True)
        await site.start()
        say({"ready": runner.addresses[0][1], "last_seq": await store.last_seq()})
        await read_line()  # go
        cpu0, period = time.process_time(), 1.0 / args.rate
        t0 = time.monotonic()
        total = round(args.rate * args.seconds)
        for i in range(total):
            await asyncio.sleep(max(0.0, t0 + i * period - time.monotonic()))
            event = Event(
                type="bench.tick",
                time=time.time(),
                actor="system",
                data={"i": i, "t_pub": time.time()},
                id=uuid.uuid4().hex,
                grid="bench",
            )
            stored = await hub.publish(event)
            if args.acks:
                say({"acked": stored.seq})
        say({"done": hub.fanout.last_seq, "events": total, "cpu_s": time.process_time() - cpu0})
        await read_line()  # stop
        await runner.cleanup()


async def run_bare(args: argparse.Namespace) -> None:
    """The baseline: the same server framework and clients, none of the hub's work.

    No storage, no scoping, no replay, no queues: each event is framed once and written to
    every connected socket, which is the floor any fan-out on this machine pays right now.
    """
    sockets: set[asyncio.WriteTransport] = set()

    async def bare_ws(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        assert request.transport is not None
        sockets.add(request.transport)
        await ws.send_str(json.dumps({"v": 1, "type": "replayed", "through": 0}))
        async for _ in ws:
            pass
        sockets.discard(request.transport)
        return ws

    app = web.Application()
    app.router.add_get("/ws", bare_ws)
    runner = web.AppRunner(app, shutdown_timeout=2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, backlog=4096).start()
    say({"ready": runner.addresses[0][1], "last_seq": 0})
    await read_line()  # go
    cpu0, period, t0 = time.process_time(), 1.0 / args.rate, time.monotonic()
    total = round(args.rate * args.seconds)
    for i in range(total):
        await asyncio.sleep(max(0.0, t0 + i * period - time.monotonic()))
        data = {"i": i, "t_pub": time.time()}
        event = Event("bench.tick", time.time(), "system", data, uuid.uuid4().hex, seq=i + 1)
        frame = Delivered.of(event).frame
        for transport in list(sockets):
            if not transport.is_closing():
                transport.write(frame)
    say({"done": total, "events": total, "cpu_s": time.process_time() - cpu0})
    await read_line()  # stop
    await runner.cleanup()


class Swarm:
    """N clients in one process; each resumes with `since` and counts what it receives."""

    def __init__(self, url: str, base: int, n: int, churn: float, seconds: float) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.target = f"{parts.path}?{parts.query}"
        self.base = base
        self.seqs: list[list[int]] = [[] for _ in range(n)]
        self.last = [base] * n
        self.latencies_ms: list[float] = []
        self.replayed_ms: list[float] = []  # the part of latencies_ms received while replaying
        self.connected = 0
        self.all_connected = asyncio.Event()
        self.end_seq: int | None = None
        self.done = [asyncio.Event() for _ in range(n)]
        self.live: dict[int, RawClient] = {}
        self.reconnects = 0
        chosen = random.sample(range(n), round(n * churn))
        self.drops = {i: random.uniform(0.0, seconds) for i in chosen}

    def _receiver(self, i: int) -> Callable[[bytes], None]:
        seqs, done = self.seqs[i], self.done[i]
        replaying, counted = True, False

        def on_text(payload: bytes) -> None:
            nonlocal replaying, counted
            frame = json.loads(payload)
            seq = frame.get("seq")
            if seq is None:
                if frame["type"] in ("hello", "replayed"):
                    replaying = frame["type"] == "hello"
                    if not counted:  # subscribed on the server, not merely TCP-connected
                        counted = True
                        self._count_connected()
                return
            latency = (time.time() - frame["data"]["t_pub"]) * 1000
            self.latencies_ms.append(latency)
            if replaying:
                self.replayed_ms.append(latency)
            seqs.append(seq)
            self.last[i] = seq
            if self.end_seq is not None and seq >= self.end_seq:
                done.set()

        return on_text

    async def client(self, i: int) -> None:
        loop = asyncio.get_running_loop()
        on_text = self._receiver(i)
        while not self.done[i].is_set():
            target = f"{self.target}&since={self.last[i]}"
            try:
                _, proto = await loop.create_connection(
                    partial(RawClient, self.host, self.port, target, on_text), self.host, self.port
                )
            except OSError:
                await asyncio.sleep(0.2)
                continue
            self.live[i] = proto
            ended = asyncio.ensure_future(self.done[i].wait())
            waiters: list[asyncio.Future[Any]] = [proto.closed, ended]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            ended.cancel()
            proto.close()
            self.live.pop(i, None)
            if not self.done[i].is_set():
                self.reconnects += 1
                await asyncio.sleep(random.uniform(0.1, 2.0))

    def _count_connected(self) -> None:
        self.connected += 1
        if self.connected == len(self.seqs):
            self.all_connected.set()

    def start_churn(self) -> None:
        loop = asyncio.get_running_loop()
        for i, after in self.drops.items():
            loop.call_later(after, self._drop, i)

    def _drop(self, i: int) -> None:
        proto = self.live.get(i)
        if proto is not None:
            proto.close()

    def end(self, seq: int) -> None:
        self.end_seq = seq
        for i, last in enumerate(self.last):
            if last >= seq:
                self.done[i].set()

    def report(self) -> dict[str, Any]:
        expected = set(range(self.base + 1, (self.end_seq or self.base) + 1))
        return {
            "lost": sum(len(expected - set(s)) for s in self.seqs),
            "duplicates": sum(len(s) - len(set(s)) for s in self.seqs),
            "caught_up": sum(1 for d in self.done if d.is_set()),
            "reconnects": self.reconnects,
            "latencies_ms": [round(x, 2) for x in self.latencies_ms],
            "replayed_ms": [round(x, 2) for x in self.replayed_ms],
            "cpu_s": time.process_time(),
        }


async def run_clients(args: argparse.Namespace) -> None:
    swarm = Swarm(args.url, args.since, args.clients, args.churn, args.seconds)
    tasks = []
    for i in range(args.clients):
        tasks.append(asyncio.create_task(swarm.client(i)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not flood the hub's accept backlog
    await swarm.all_connected.wait()
    say({"connected": args.clients})
    await read_line()  # go
    swarm.start_churn()
    command = await read_line()  # end <seq>
    swarm.end(int(command.split()[1]))
    _, pending = await asyncio.wait(tasks, timeout=args.grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for proto in list(swarm.live.values()):
        proto.close()
    say(swarm.report())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m alerts.bench_peers")
    sub = parser.add_subparsers(dest="role", required=True)
    hub = sub.add_parser("hub")
    hub.add_argument("--backend", choices=["sqlite", "redis"], default="sqlite")
    hub.add_argument("--redis-url")
    hub.add_argument("--data-dir", required=True)
    hub.add_argument("--rate", type=float, required=True)
    hub.add_argument("--seconds", type=float, required=True)
    hub.add_argument("--client-queue", type=int, default=1000)
    hub.add_argument("--port", type=int, default=0)
    hub.add_argument("--redis-prefix")
    hub.add_argument("--acks", action="store_true", help="print each acknowledged seq")
    bare = sub.add_parser("bare")
    bare.add_argument("--rate", type=float, required=True)
    bare.add_argument("--seconds", type=float, required=True)
    clients = sub.add_parser("clients")
    clients.add_argument("--url", required=True)
    clients.add_argument("--since", type=int, required=True)
    clients.add_argument("--clients", type=int, required=True)
    clients.add_argument("--churn", type=float, default=0.0)
    clients.add_argument("--seconds", type=float, required=True)
    clients.add_argument("--grace", type=float, default=30.0)
    args = parser.parse_args(argv)
    roles = {"hub": run_hub, "bare": run_bare, "clients": run_clients}
    asyncio.run(roles[args.role](args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
