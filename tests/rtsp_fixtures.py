"""pytest fixtures for the real RTSP test server and the Annex-B clips it serves.

Registered for every test package through `pytest_plugins` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from video.footage import cctv_scene, shipped_clip
from video.rtsp_fixture import Mount, RtspTestServer, prepare_annexb

RtspServerFactory = Callable[..., RtspTestServer]


@pytest.fixture(scope="session")
def media_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rtsp-media")


@pytest.fixture
def rtsp_server_factory(media_cache: Path) -> Iterator[RtspServerFactory]:
    """Call with mounts (and optionally a port) to get a started server, stopped at teardown."""
    servers: list[RtspTestServer] = []

    def start(mounts: Sequence[Mount], port: int | None = None) -> RtspTestServer:
        server = RtspTestServer(mounts, port, cache_dir=media_cache)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def fire_clip_264(media_cache: Path) -> Path:
    """The shipped CC0 fire clip (house6, 426x240, 29.97 fps, 30 s) as Annex-B H.264."""
    return prepare_annexb(shipped_clip("house6.mp4"), media_cache)


@pytest.fixture(scope="session")
def cctv_clip_264(media_cache: Path) -> Path:
    """A 10 s quiet synthetic street scene (640x360, 25 fps) as Annex-B H.264."""
    clip = cctv_scene(media_cache / "cctv-scene.mp4", seconds=10.0, active_fraction=0.3, seed=7)
    return prepare_annexb(clip, media_cache)
