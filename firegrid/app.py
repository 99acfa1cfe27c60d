"""The composition root: builds one hub from a township file.

It is the only module that knows every package. It opens storage, builds the principals from
the users and team members, and wires: ingest → alerts (detections, clips, camera health),
alerts → dispatch (every stored event), dispatch → alerts (its timeline events) and client
commands → dispatch. Each long-lived resource has one owner and one place it is closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from aiohttp import web

from alerts.cameras import CameraRef
from alerts.errors import CommandRefused, NotFound
from alerts.http_api import add_alert_routes
from alerts.hub import AlertHub
from alerts.messages import CommandRequest
from alerts.principals import Directory, Principal, sees
from alerts.store import open_store
from alerts.webauth import authenticate
from console.routes import add_console_routes
from dispatch.commands import COMMANDS
from dispatch.coverage import CameraStatus
from dispatch.errors import CommandRejected
from dispatch.grid import Grid
from dispatch.notify import WebhookNotifier
from dispatch.replay import TEAM_STATUS, restore_duty
from dispatch.responders import ResponderRegistry
from dispatch.routes import ReadScope, add_dispatch_routes
from dispatch.service import DispatchService
from firegrid.config import TownshipConfig
from firegrid.progress import progress_listener
from video.config import CameraConfig
from video.detection import CameraHealth, ClipReady, Detection
from video.ingest.routes import add_ingest_routes
from video.ingest.supervisor import IngestSupervisor

CONFIG = web.AppKey("firegrid.config", TownshipConfig)
DISPATCH = web.AppKey("firegrid.dispatch", DispatchService)
INGEST = web.AppKey("firegrid.ingest", IngestSupervisor)

CommandHandler = Callable[[Principal, CommandRequest], Awaitable[dict[str, Any] | None]]


def principals(config: TownshipConfig, grid: Grid) -> list[Principal]:
    """Users see the cells of their scope and everything below; members see their team."""
    found = []
    for user in config.users:
        scope = (
            frozenset().union(*(grid.within(code) for code in user.scope)) if user.scope else None
        )
        found.append(
            Principal(user.id, user.role, user.name, user.token, scope, None, user.language)
        )
    for team in config.teams:
        for member in team.members:
            found.append(
                Principal(member.id, "responder", member.name, member.token, None, team.id)
            )
    return found


def camera_ref(camera: CameraConfig) -> CameraRef:
    return CameraRef(camera.id, camera.name, camera.grid, camera.location)


def dispatch_command(service: DispatchService, name: str) -> CommandHandler:
    async def handle(principal: Principal, request: CommandRequest) -> dict[str, Any]:
        payload = dict(request.data)
        if request.incident_id is not None:
            payload.setdefault("incident_id", request.incident_id)
        try:
            return await service.command(principal.id, principal.team_id, name, payload)
        except CommandRejected as err:
            raise CommandRefused(str(err)) from None

    return handle


async def township(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    cameras = [
        {"id": c.id, "name": c.name, "grid": c.grid, "location": list(c.location)}
        for c in config.cameras
    ]
    return web.json_response(
        {
            "v": 1,
            "name": config.name,
            "name_en": config.name_en,
            "township": config.township,
            "cameras": cameras,
        }
    )


@web.middleware
async def require_token(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every API route, whichever package added it, answers only to a known token."""
    if request.path.startswith("/api/") and request.path != "/api/openapi.json":
        authenticate(request)
    return await handler(request)


async def build_app(config: TownshipConfig, data_dir: Path) -> web.Application:
    """The hub's application; storage is open when this returns and closes with the app."""
    resources = AsyncExitStack()
    store = await resources.enter_async_context(open_store(config.storage, data_dir))
    grid = Grid([config.grid])
    hub = AlertHub(store, config.alerts, Directory(principals(config, grid)))
    registry = ResponderRegistry(config.teams, config.dispatch.travel, hub.clock)
    notifier = (
        None
        if config.dispatch.webhook is None
        else WebhookNotifier(config.dispatch.webhook, hub, hub.clock)
    )
    dispatch = DispatchService(grid, registry, config.dispatch, hub, notifier, hub.clock)
    ingest = IngestSupervisor(config.cameras, config.ingest, config.detector, data_dir)
    cameras = {c.id: camera_ref(c) for c in config.cameras}

    hub.subscribe(dispatch.on_event)
    hub.subscribe(
        progress_listener(
            hub.incident, lambda incident_id, action, data: hub.act(incident_id, action, None, data)
        )
    )
    for name in COMMANDS:
        # dispatch checks that the member's team was called for the incident
        hub.register_command(name, dispatch_command(dispatch, name), authorises=True)

    async def detection(det: Detection) -> None:
        await hub.on_detection(det, cameras[det.camera_id])

    async def clip(ready: ClipReady) -> None:
        await hub.on_clip(ready)

    async def health(status: CameraHealth) -> None:
        await hub.on_camera_health(status, cameras[status.camera_id])

    ingest.on_detection(detection)
    ingest.on_clip(clip)
    ingest.on_health(health)

    def camera_status() -> list[CameraStatus]:
        online = {h.camera_id for h in ingest.status() if h.state == "online"}
        return [CameraStatus(c.id, c.grid, c.id in online) for c in config.cameras]

    def dispatch_scope(request: web.Request) -> ReadScope:
        principal = authenticate(request)

        def sees_incident(incident_id: str) -> bool:
            try:
                hub.incident(incident_id, principal)
            except NotFound:
                return False
            return True

        return ReadScope(principal, sees_incident)

    camera_cells = {c.id: c.grid for c in config.cameras}

    def camera_scope(request: web.Request) -> Callable[[str], bool]:
        principal = authenticate(request)
        return lambda camera_id: sees(principal, camera_cells.get(camera_id), ())

    app = web.Application(middlewares=[require_token])
    app[CONFIG] = config
    app[DISPATCH] = dispatch
    app[INGEST] = ingest
    add_alert_routes(app, hub)  # starts the hub first and closes it last

    async def run_dispatch(_: web.Application) -> AsyncIterator[None]:
        # After a restart, teams keep the duty they were last given, and open incidents'
        # call-ups carry on from their stored timelines.
        restore_duty(registry, await hub.store.events_of_type(TEAM_STATUS))
        for incident in hub.incidents(open_only=True):
            dispatch.restore(await hub.store.timeline(incident.id))
        if notifier is not None:
            await notifier.start()
        await dispatch.start()
        yield
        await dispatch.stop()
        if notifier is not None:
            await notifier.stop()

    async def run_ingest(_: web.Application) -> AsyncIterator[None]:
        await ingest.start()
        yield
        await ingest.stop()

    async def close_storage(_: web.Application) -> None:
        await resources.aclose()

    app.cleanup_ctx.append(run_dispatch)
    app.cleanup_ctx.append(run_ingest)
    app.on_cleanup.append(close_storage)
    add_dispatch_routes(app, dispatch, camera_status, dispatch_scope)
    add_ingest_routes(app, ingest, camera_scope)
    app.router.add_get("/api/township", township)
    add_console_routes(app)
    return app
