"""A minimal RFC 6455 client for the fan-out benchmark, as a plain asyncio.Protocol.

A thousand clients share the hub's two cores, so each must cost as little as possible: no task
per connection and no await per message. It does the opening handshake, parses unmasked server
frames in `data_received`, answers pings with masked pongs and reports text payloads and the
close code. The protocol tests use real aiohttp and websockets clients; this is an instrument.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable

OnText = Callable[[bytes], None]


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame: always masked (RFC 6455 §5.3); payloads here are short control frames."""
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes((0x80 | opcode, 0x80 | len(payload))) + mask + body


class RawClient(asyncio.Protocol):
    def __init__(self, host: str, port: int, target: str, on_text: OnText) -> None:
        self._request = (
            f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
        ).encode()
        self._on_text = on_text
        self._buf = bytearray()
        self._upgraded = False
        self.transport: asyncio.Transport | None = None
        self.close_code: int | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if not self._upgraded:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._buf.startswith(b"HTTP/1.1 101"):
                self.close_code = -int(self._buf[9:12])  # the refusing HTTP status, negated
                self.close()
                return
            del self._buf[: end + 4]
            self._upgraded = True
        self._frames()

    def _frames(self) -> None:
        buf, pos = self._buf, 0
        while len(buf) - pos >= 2:
            opcode, size, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if size == 126:
                if len(buf) - pos < 4:
                    break
                size, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif size == 127:
                if len(buf) - pos < 10:
                    break
                size, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if len(buf) - pos < head + size:
                break
            payload = bytes(buf[pos + head : pos + head + size])
            pos += head + size
            if opcode == 0x1:
                self._on_text(payload)
            elif opcode == 0x8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if size >= 2 else 1005
                self.close()
            elif opcode == 0x9 and self.transport is not None:
                self.transport.write(masked_frame(0xA, payload))
        del buf[:pos]
