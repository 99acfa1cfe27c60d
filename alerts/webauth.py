"""What the web endpoints share: the hub's application key and token authentication.

A token comes as `Authorization: Bearer <token>` or, for browsers' WebSocket API that cannot
set headers, as the `token` query parameter. A bad token is refused with 401 before any
WebSocket upgrade.
"""

from __future__ import annotations

from aiohttp import web

from alerts.errors import Forbidden
from alerts.hub import AlertHub
from alerts.principals import Principal

HUB = web.AppKey("alerts.hub", AlertHub)


def token_of(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("token")


def authenticate(request: web.Request) -> Principal:
    try:
        return request.app[HUB].directory.authenticate(token_of(request))
    except Forbidden as err:
        raise web.HTTPUnauthorized(
            text=str(err), headers={"WWW-Authenticate": 'Bearer realm="firegrid"'}
        ) from None
