"""The HTTP API (`/api/...`) for what the WebSocket does, plus reads; and the route mounting.

Every response body is JSON with `"v": 1`, except media files. A `ClientError` becomes a JSON
error body with the status that fits it (400, 403, 404, 409), never a traceback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from alerts.errors import ClientError, CommandRefused, Forbidden, NotFound, TransitionRefused
from alerts.hub import AlertHub
from alerts.incidents import media_url
from alerts.lifecycle import Incident
from alerts.messages import ActionRequest, CommandRequest, parse_model
from alerts.openapi import OPENAPI
from alerts.principals import sees_event
from alerts.webauth import HUB, authenticate
from alerts.ws import SOCKETS, close_sockets, websocket

STATUS: dict[type[ClientError], type[web.HTTPException]] = {
    NotFound: web.HTTPNotFound,
    Forbidden: web.HTTPForbidden,
    TransitionRefused: web.HTTPConflict,
    CommandRefused: web.HTTPConflict,
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response({"v": 1, **body}, status=status)


def _client_errors(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ClientError as err:
            status = STATUS.get(type(err), web.HTTPBadRequest).status_code
            body = {"type": "error", "code": err.code, "message": str(err)}
            return _json(body, status)

    return wrapped


async def me(request: web.Request) -> web.StreamResponse:
    return _json({"principal": authenticate(request).to_json()})


async def list_incidents(request: web.Request) -> web.StreamResponse:
    principal = authenticate(request)
    open_only = request.query.get("open", "") in ("1", "true")
    found = request.app[HUB].incidents(principal, open_only=open_only)
    return _json({"incidents": [_incident_wire(i) for i in found]})


async def read_incident(request: web.Request) -> web.StreamResponse:
    incident = request.app[HUB].incident(request.match_info["id"], authenticate(request))
    return _json({"incident": _incident_wire(incident)})


def _incident_wire(incident: Incident) -> dict[str, Any]:
    """The incident as clients get it: media as the URLs that serve them, as in the events.

    The stored form keeps the files' paths on this host; a client has no use for them, and they
    tell more about the server than it needs to know.
    """
    data = incident.to_json()
    for key, kind, paths in (
        ("snapshots", "snapshot", incident.snapshots),
        ("clips", "clip", incident.clips),
    ):
        data[key] = [media_url(incident.id, kind, n) for n in range(len(paths))]
    return data


async def timeline(request: web.Request) -> web.StreamResponse:
    principal = authenticate(request)
    hub = request.app[HUB]
    incident = hub.incident(request.match_info["id"], principal)
    events = [e for e in await hub.store.timeline(incident.id) if sees_event(principal, e)]
    return _json({"incident_id": incident.id, "events": [e.to_json() for e in events]})


async def media(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    incident = hub.incident(request.match_info["id"], authenticate(request))
    kind, index = request.match_info["kind"], int(request.match_info["n"])
    paths = incident.snapshots if kind == "snapshot" else incident.clips
    if index >= len(paths):
        raise NotFound(f"incident {incident.id} has no {kind} {index}")
    # FileResponse answers 404 itself when the file is gone, and reads it off the loop.
    return web.FileResponse(paths[index])


async def act(request: web.Request) -> web.StreamResponse:
    principal = authenticate(request)
    body = parse_model(ActionRequest, await request.read())
    events = await request.app[HUB].act(request.match_info["id"], body.action, principal, body.data)
    return _json({"events": [e.to_json() for e in events]})


async def command(request: web.Request) -> web.StreamResponse:
    principal = authenticate(request)
    body = parse_model(CommandRequest, await request.read())
    return _json({"data": await request.app[HUB].command(principal, body)})


async def events(request: web.Request) -> web.StreamResponse:
    """A page of the stream after `since`, filtered to what the caller may see."""
    principal = authenticate(request)
    hub = request.app[HUB]
    try:
        since = int(request.query.get("since", "0"))
        limit = min(int(request.query.get("limit", "500")), 5000)
    except ValueError:
        raise web.HTTPBadRequest(text="since and limit are integers") from None
    page = await hub.store.read_since(since, limit)
    through = page[-1].seq if page else since
    visible = [e.to_json() for e in page if sees_event(principal, e)]
    return _json({"events": visible, "through": through, "last_seq": hub.fanout.last_seq})


async def openapi(request: web.Request) -> web.StreamResponse:
    return web.json_response(OPENAPI)


def add_alert_routes(app: web.Application, hub: AlertHub, manage_hub: bool = True) -> None:
    """Mount `/ws` and `/api/...` for `hub`; with `manage_hub`, start and close it with the app."""
    app[HUB] = hub
    app[SOCKETS] = set()
    route = _client_errors
    app.router.add_get("/ws", websocket)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/api/me", route(me))
    app.router.add_get("/api/events", route(events))
    app.router.add_get("/api/incidents", route(list_incidents))
    app.router.add_get("/api/incidents/{id}", route(read_incident))
    app.router.add_get("/api/incidents/{id}/timeline", route(timeline))
    app.router.add_get(r"/api/incidents/{id}/{kind:snapshot|clip}/{n:\d+}", route(media))
    app.router.add_post("/api/incidents/{id}/actions", route(act))
    app.router.add_post("/api/commands", route(command))
    if manage_hub:

        async def run_hub(_: web.Application) -> AsyncIterator[None]:
            async with hub:
                yield

        app.cleanup_ctx.append(run_hub)
    app.on_shutdown.append(close_sockets)
