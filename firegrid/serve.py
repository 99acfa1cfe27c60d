"""`firegrid serve`: run one hub for a township file until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from aiohttp import web

from firegrid.app import build_app
from firegrid.config import TownshipConfig, load_config


def add_server_arguments(parser: argparse.ArgumentParser, default_port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=default_port, help="0 picks a free port")
    parser.add_argument("--data", type=Path, default=Path("data"), help="data folder")


def console_url(config: TownshipConfig, host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    operator = next((u for u in config.users if u.role == "operator"), config.users[0])
    return f"http://{shown}:{port}/?token={operator.token}"


async def serve(config: TownshipConfig, data_dir: Path, host: str, port: int) -> None:
    app = await build_app(config, data_dir)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = int(runner.addresses[0][1])
    # Tests and scripts read this line to find the port; keep its shape.
    print(f"firegrid: console at {console_url(config, host, bound)}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="firegrid serve", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="township YAML file")
    add_server_arguments(parser, default_port=8080)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    args.data.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(config, args.data, args.host, args.port))
    return 0
