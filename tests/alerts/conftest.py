"""Fixtures of the alerts tests: both storage backends behind one parametrised fixture."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from alerts.cameras import CameraRef
from alerts.config import StorageConfig
from alerts.events import Event
from alerts.store import EventStore, open_store
from tests.alerts.hubfixtures import RunningHub, run_hub
from tests.conftest import RedisServer
from video.detection import Box, Detection

BACKENDS = ["sqlite", "redis"]


def storage_config(backend: str, redis_server: RedisServer) -> StorageConfig:
    """A config of `backend`; Redis tests share one server, each under its own key prefix."""
    if backend == "sqlite":
        return StorageConfig(backend="sqlite")
    return StorageConfig(
        backend="redis", redis_url=redis_server.url, redis_prefix=f"t{uuid.uuid4().hex[:12]}"
    )


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest) -> StorageConfig:
    backend: str = request.param
    if backend == "sqlite":
        return StorageConfig(backend="sqlite")
    server: RedisServer = request.getfixturevalue("redis_server")
    return storage_config(backend, server)


@pytest.fixture
async def store(storage: StorageConfig, data_dir: Path) -> AsyncIterator[EventStore]:
    async with open_store(storage, data_dir) as opened:
        yield opened


def counter_ids() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"id{next(numbers)}"


CAM_A = CameraRef("cam-a", "North gate", "cell-1", (120.1, 30.2))
CAM_B = CameraRef("cam-b", "Market", "cell-1", (120.11, 30.21))
CAM_C = CameraRef("cam-c", "School", "cell-2", (120.2, 30.3))


def detection(camera: CameraRef, n: int = 1, snapshot: str | None = None) -> Detection:
    return Detection(
        id=f"det-{camera.id}-{n}",
        camera_id=camera.id,
        kind="flame",
        box=Box(0.1, 0.2, 0.3, 0.4),
        confidence=0.8,
        evidence=("colour", "flicker"),
        t=float(n),
        wall_time=1000.0 + n,
        snapshot=snapshot,
    )


def plain_event(n: int, grid: str = "cell-1", teams: tuple[str, ...] = ()) -> Event:
    return Event(
        type="dispatch.test",
        time=1000.0 + n,
        actor="system",
        data={"n": n},
        id=f"ev{n}-{uuid.uuid4().hex[:6]}",
        grid=grid,
        audience_teams=teams,
    )


@pytest.fixture
async def running(data_dir: Path) -> AsyncIterator[RunningHub]:
    """A hub with the SQLite store, on a real aiohttp server on a free port."""
    async for hub in run_hub(StorageConfig(), data_dir):
        yield hub


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
