"""`firegrid watch`: print every event of a hub as one JSON line, resuming after disconnects.

    firegrid watch --url ws://HOST:PORT/ws --token TOKEN [--since N]

Built on the `websockets` library. It remembers the last seq it has covered (events it printed,
and the `through` of `replayed` and `heartbeat` frames) and reconnects with `since=<that seq>`
after any disconnect, with exponential backoff; the hub guarantees no gap and no duplicate.
Without `--since` it starts with live events. Control frames and status go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import websockets
from websockets.exceptions import InvalidStatus

OnEvent = Callable[[str, dict[str, Any]], None]


class WatchRefused(Exception):
    """The hub refused the token or the request; retrying would not help."""


def ws_url(url: str, token: str, since: int | None) -> str:
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    path = path if path.endswith("/ws") else f"{path}/ws"
    query = {"token": token} | ({} if since is None else {"since": str(since)})
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))


def _log(text: str) -> None:
    print(f"firegrid watch: {text}", file=sys.stderr, flush=True)


class Follower:
    """Follows a hub's stream; `last` is the seq to resume from after a disconnect."""

    def __init__(
        self,
        url: str,
        token: str,
        since: int | None,
        on_event: OnEvent,
        backoff_s: float = 0.2,
        backoff_max_s: float = 10.0,
    ) -> None:
        self.url, self.token, self.last = url, token, since
        self.on_event = on_event
        self.backoff_s, self.backoff_max_s = backoff_s, backoff_max_s
        self.connections = 0
        self.connected = asyncio.Event()  # set while a connection is up
        self._progress = asyncio.Event()

    async def reached(self, seq: int) -> None:
        """Return once everything up to `seq` has been covered."""
        while (self.last or 0) < seq:
            await self._progress.wait()
            self._progress.clear()

    def _frame(self, text: str) -> None:
        frame = json.loads(text)
        self._progress.set()
        seq = frame.get("seq")
        if seq is not None:
            self.last = seq
            self.on_event(text, frame)
        elif frame["type"] == "hello" and self.last is None:
            self.last = frame["last_seq"]
        elif frame["type"] in ("replayed", "heartbeat"):
            self.last = max(self.last or 0, frame["through"])
        elif frame["type"] == "error":
            _log(f"hub error: {frame['code']}: {frame['message']}")

    async def run(self, stop: asyncio.Event | None = None) -> None:
        delay = self.backoff_s
        while stop is None or not stop.is_set():
            try:
                async with websockets.connect(
                    ws_url(self.url, self.token, self.last), max_size=None, compression=None
                ) as ws:
                    self.connections += 1
                    self.connected.set()
                    delay = self.backoff_s
                    async for text in ws:
                        self._frame(text if isinstance(text, str) else text.decode())
                    self.connected.clear()
                    _log(f"disconnected ({ws.close_code} {ws.close_reason}); resuming")
            except InvalidStatus as err:
                if err.response.status_code in (400, 401, 403):
                    raise WatchRefused(f"hub refused: HTTP {err.response.status_code}") from err
                _log(f"hub answered HTTP {err.response.status_code}; retrying")
            except (OSError, websockets.ConnectionClosed, TimeoutError) as err:
                self.connected.clear()
                _log(f"connection lost ({err or type(err).__name__}); retrying in {delay:.1f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max_s)


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="firegrid watch", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="the hub, e.g. ws://127.0.0.1:8080/ws")
    parser.add_argument("--token", required=True)
    parser.add_argument("--since", type=int, help="replay events after this seq first")
    args = parser.parse_args(argv)

    def emit(text: str, frame: dict[str, Any]) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    follower = Follower(args.url, args.token, args.since, emit)
    try:
        asyncio.run(follower.run())
    except WatchRefused as err:
        _log(str(err))
        return 2
    return 0
