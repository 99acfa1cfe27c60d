"""The `/ws` endpoint: authenticated, scoped, resumable delivery of the event stream.

Order of a connection (docs/protocol.md): authenticate and parse `since` before the upgrade
(401 / 400 refuse it); subscribe to the live fan-out and note the stream position in the same
synchronous step; send `hello`; replay from storage and the recent cache everything after
`since`, then `replayed`; then live events, skipping any seq already sent. The reader runs
beside the writer and answers every client message with `result` or `error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from alerts import messages
from alerts.errors import ClientError, MessageError, StorageError
from alerts.fanout import Overflow, Subscription
from alerts.hub import AlertHub
from alerts.messages import Ack, Action, parse_client
from alerts.principals import Principal, sees_event
from alerts.webauth import HUB, authenticate

log = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 4008
SOCKETS = web.AppKey("alerts.sockets", set[web.WebSocketResponse])
CLOSE_TIMEOUT_S = 5.0
MAX_MESSAGE = 64 * 1024


def _since(request: web.Request) -> int | None:
    raw = request.query.get("since")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise web.HTTPBadRequest(text=f"since must be a non-negative integer, got {raw!r}")
    return int(raw)


async def websocket(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    principal = authenticate(request)
    since = _since(request)
    ws = web.WebSocketResponse(
        heartbeat=hub.cfg.heartbeat_s,
        compress=False,  # per-client deflate would undo "encode each event once"
        max_msg_size=MAX_MESSAGE,
        timeout=CLOSE_TIMEOUT_S,
    )
    try:
        await ws.prepare(request)
    except ConnectionResetError:
        return web.Response()  # the client left during the handshake; aiohttp drops this
    sockets = request.app[SOCKETS]
    sockets.add(ws)
    sub = hub.fanout.subscribe(principal, hub.cfg.client_queue, hub.cfg.client_buffer_bytes)
    start = hub.fanout.last_seq  # taken with the subscription, no await in between
    writer = asyncio.create_task(_write(ws, request, hub, sub, since, start))
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await _answer(ws, hub, principal, msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_str(messages.error(MessageError("binary frames are not accepted")))
    except ConnectionResetError:
        pass  # the client went away while we answered; it resumes with since
    finally:
        sockets.discard(ws)
        hub.fanout.unsubscribe(sub)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    return ws


async def close_sockets(app: web.Application) -> None:
    """On shutdown, tell every client the hub is going away (they resume with `since`)."""
    sockets: set[web.WebSocketResponse] = app[SOCKETS]
    for ws in list(sockets):
        await _close(ws, WSCloseCode.GOING_AWAY, "hub shutting down")


async def _write(
    ws: web.WebSocketResponse,
    request: web.Request,
    hub: AlertHub,
    sub: Subscription,
    since: int | None,
    start: int,
) -> None:
    principal = sub.principal
    await ws.send_str(
        messages.hello(
            principal.to_json(), since, start, hub.acked(principal.id), hub.cfg.heartbeat_s
        )
    )
    if since is not None and since > start:
        # The client has seen more than this stream holds (e.g. a Redis wiped without
        # persistence): say so, and deliver from the current position rather than skip.
        problem = f"since={since} is beyond the last seq {start}; delivering after {start}"
        await ws.send_str(messages.error(MessageError(problem)))
        since = start
    try:
        last = start if since is None else await _replay(ws, hub, sub, since)
        # Write what queued up during the replay; the last take() that finds nothing and the
        # switch to direct writes happen with no await in between, so nothing slips past.
        while batch := sub.take():
            for item in batch:
                if item.seq > last:
                    await ws.send_str(item.text)
                    last = sub.last_sent = item.seq
        if request.transport is None:
            return
        sub.go_direct(request.transport, last)
        while True:
            await sub.next_batch()  # only heartbeats and overflow wake a direct subscriber
            if sub.heartbeat_due:
                sub.heartbeat_due = False
                through = max(sub.last_sent, sub.heartbeat_through)
                await ws.send_str(messages.heartbeat(hub.clock(), through))
    except Overflow as err:
        reason = f"too slow: {err}; resume with since={sub.last_sent}"
        log.info("disconnecting %s: %s", principal.id, reason)
        await _close(ws, CLOSE_TOO_SLOW, reason)
    except StorageError as err:
        log.warning("replay for %s failed: %s", principal.id, err)
        reason = f"storage unavailable; resume with since={sub.last_sent}"
        await _close(ws, WSCloseCode.INTERNAL_ERROR, reason)
    except ConnectionResetError:
        pass


async def _replay(ws: web.WebSocketResponse, hub: AlertHub, sub: Subscription, since: int) -> int:
    """Send everything after `since` the principal may see; returns the last seq covered."""
    last = since
    async for page in hub.catch_up(since):
        for item in page:
            if sees_event(sub.principal, item.event):
                await ws.send_str(item.text)
            last = item.seq
            sub.last_sent = last
    await ws.send_str(messages.replayed(last))
    return last


async def _close(ws: web.WebSocketResponse, code: int, reason: str) -> None:
    # A client too slow to read may never drain its buffer; give up on the close handshake.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await ws.close(code=code, message=reason.encode()[:120])


async def _answer(
    ws: web.WebSocketResponse, hub: AlertHub, principal: Principal, text: str
) -> None:
    ref: str | None = None
    try:
        msg = parse_client(text)
        if isinstance(msg, Ack):
            hub.record_ack(principal, msg.seq)
            return
        ref = msg.id
        if isinstance(msg, Action):
            events = await hub.act(msg.incident_id, msg.action, principal, msg.data)
            await ws.send_str(messages.result(ref, [e.seq or 0 for e in events]))
        else:
            data = await hub.command(principal, msg)
            await ws.send_str(messages.result(ref, [], data))
    except ClientError as err:
        await ws.send_str(messages.error(err, ref))
