"""The OpenAPI description names every /api route the hub's application serves."""

from __future__ import annotations

import re
from pathlib import Path

from alerts.openapi import OPENAPI
from firegrid.app import build_app
from firegrid.config import load_config

DEMO = Path(__file__).resolve().parents[2] / "firegrid" / "demo" / "township.yaml"


def _shape(path: str) -> str:
    """A path with its parameters' names dropped: `/a/{id}` and `/a/{incident_id}` match."""
    return re.sub(r"\{[^}]+\}", "{}", path)


async def test_every_api_route_is_described(tmp_path: Path) -> None:
    app = await build_app(load_config(DEMO), tmp_path)
    try:
        served = {
            (route.method.lower(), _shape(route.resource.canonical))
            for route in app.router.routes()
            if route.resource is not None
            and route.resource.canonical.startswith("/api/")
            and route.method != "HEAD"
            and route.resource.canonical != "/api/openapi.json"  # the description itself
        }
    finally:
        await app.cleanup()
    described = {(method, _shape(path)) for path, ops in OPENAPI["paths"].items() for method in ops}
    assert served - described == set()
    assert described - served == set()
