"""`firegrid bench fanout`: delivery latency, loss and server CPU of the hub's WebSocket fan-out.

    firegrid bench fanout --clients 1000 --rate 20 --seconds 30 --churn 0.1 --json

Starts the hub in its own process (so its CPU time is its own), connects the clients from one
or two client processes, publishes `rate` events a second for `seconds`, and with `--churn P`
makes a fraction P of the clients drop once at a random moment and resume after 0.1–2 s with
`since`. Every client is entitled to every event. Prints `clients`, `events`, `p50_ms`,
`p99_ms` (publish call to receipt, replayed deliveries included), `lost`, `duplicates`,
`server_cpu_s`; `p50_live_ms`/`p99_live_ms` leave out deliveries replayed after a drop.

Baseline, measured in the same invocation: a bare broadcast server (same aiohttp, same
clients, no storage, no scoping, no replay) run for `--baseline-seconds`; the ratios
`p99_vs_baseline` and `server_cpu_vs_baseline` (per event) say what the hub itself costs
on this machine at this moment, which matters on a shared machine whose load varies.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from alerts.bench_peers import BENCH


def _line(stream: IO[str] | None, what: str) -> dict[str, Any]:
    assert stream is not None
    line = stream.readline()
    if not line:
        raise SystemExit(f"bench fanout: the {what} process ended early")
    obj: dict[str, Any] = json.loads(line)
    return obj


def _send(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(text + "\n")
    proc.stdin.flush()


def _spawn(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "alerts.bench_peers", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("bench fanout: --backend redis needs redis-server or --redis-url")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}/0"


def run(args: argparse.Namespace, bare: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        redis_proc = None
        redis_url = args.redis_url
        if args.backend == "redis" and redis_url is None:
            redis_proc, redis_url = _redis(Path(tmp))
        hub_args = ["--rate", str(args.rate), "--seconds", str(args.seconds)]
        if bare:
            hub_args = ["bare", *hub_args]
        else:
            hub_args += ["--backend", args.backend, "--data-dir", tmp]
            hub_args += ["--client-queue", str(args.client_queue)]
            hub_args += ["--redis-url", redis_url] if redis_url else []
            hub_args = ["hub", *hub_args]
        hub = _spawn(hub_args)
        swarms: list[subprocess.Popen[str]] = []
        try:
            ready = _line(hub.stdout, "hub")
            url = f"ws://127.0.0.1:{ready['ready']}/ws?token={BENCH.token}"
            n_procs = 2 if args.clients >= 200 else 1
            for k in range(n_procs):
                n = args.clients // n_procs + (1 if k < args.clients % n_procs else 0)
                swarm_args = ["clients", "--url", url, "--since", str(ready["last_seq"])]
                swarm_args += ["--clients", str(n), "--churn", str(args.churn)]
                swarm_args += ["--seconds", str(args.seconds)]
                swarms.append(_spawn(swarm_args))
            for swarm in swarms:
                _line(swarm.stdout, "client")
            for proc in (hub, *swarms):
                _send(proc, "go")
            done = _line(hub.stdout, "hub")
            for swarm in swarms:
                _send(swarm, f"end {done['done']}")
            reports = [_line(swarm.stdout, "client") for swarm in swarms]
            _send(hub, "stop")
            hub.wait(timeout=30)
        finally:
            for proc in (hub, *swarms):
                if proc.poll() is None:
                    proc.kill()
                proc.wait(timeout=30)
                for pipe in (proc.stdin, proc.stdout):
                    if pipe is not None:
                        pipe.close()
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait(timeout=10)
    latencies = sorted(x for r in reports for x in r["latencies_ms"])
    replayed = Counter(x for r in reports for x in r["replayed_ms"])
    live = sorted((Counter(latencies) - replayed).elements())
    return {
        "clients": args.clients,
        "events": done["events"],
        "rate": args.rate,
        "seconds": args.seconds,
        "churn": args.churn,
        "backend": args.backend,
        "deliveries": len(latencies),
        "p50_ms": round(_percentile(latencies, 0.50), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "replayed_deliveries": replayed.total(),
        "p50_live_ms": round(_percentile(live, 0.50), 2),
        "p99_live_ms": round(_percentile(live, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "lost": sum(r["lost"] for r in reports),
        "duplicates": sum(r["duplicates"] for r in reports),
        "reconnects": sum(r["reconnects"] for r in reports),
        "clients_caught_up": sum(r["caught_up"] for r in reports),
        "server_cpu_s": round(done["cpu_s"], 2),
        "client_cpu_s": round(sum(r["cpu_s"] for r in reports), 2),
    }


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="firegrid bench fanout", description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0, help="events published a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--churn", type=float, default=0.0, help="fraction of clients that drop")
    parser.add_argument("--backend", choices=["sqlite", "redis"], default="sqlite")
    parser.add_argument("--redis-url", help="an existing Redis; default: start a private one")
    parser.add_argument("--client-queue", type=int, default=1000)
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=10.0,
        help="also run the bare-broadcast baseline this long (0: skip)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(args)
    if args.baseline_seconds > 0:
        bare_args = argparse.Namespace(**{**vars(args), "churn": 0.0})
        bare_args.seconds = args.baseline_seconds
        base = run(bare_args, bare=True)
        result["baseline"] = {
            k: base[k] for k in ("seconds", "events", "p50_ms", "p99_ms", "lost", "server_cpu_s")
        }
        result["p99_vs_baseline"] = round(result["p99_live_ms"] / max(base["p99_ms"], 0.01), 2)
        cpu_per_event = result["server_cpu_s"] / max(result["events"], 1)
        base_cpu_per_event = base["server_cpu_s"] / max(base["events"], 1)
        result["server_cpu_vs_baseline"] = round(cpu_per_event / max(base_cpu_per_event, 1e-9), 2)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
    return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1


if __name__ == "__main__":
    sys.exit(cli_main(sys.argv[1:]))
