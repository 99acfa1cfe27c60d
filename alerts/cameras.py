"""Cameras as the alerts package sees them, and the pure tracker of their online state.

A camera's health reports arrive often; only a change between online and offline becomes an
event (`camera.offline`, `camera.online`) in the same stream as incidents, scoped by the cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alerts.events import Event
from video.detection import CameraHealth


@dataclass(frozen=True, slots=True)
class CameraRef:
    """What an incident needs to know about a camera; built by the composition root."""

    id: str
    name: str
    grid: str
    location: tuple[float, float]  # [lon, lat]


class CameraWatch:
    """Turns health reports into offline/online events, one per change.

    `connecting` and `stalled` are passing states and change nothing. A camera first seen
    online raises nothing (it was never reported down); first seen offline raises an event.
    """

    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id
        self._online: dict[str, bool] = {}

    def on_health(self, health: CameraHealth, camera: CameraRef, now: float) -> Event | None:
        if health.state not in ("online", "offline"):
            return None
        online = health.state == "online"
        before = self._online.get(camera.id)
        self._online[camera.id] = online
        if before == online or (before is None and online):
            return None
        return Event(
            type="camera.online" if online else "camera.offline",
            time=now,
            actor="system",
            data={
                "camera_id": camera.id,
                "camera_name": camera.name,
                "location": list(camera.location),
                "since": health.since,
                "error": health.error,
            },
            id=self._new_id(),
            grid=camera.grid,
        )

    def is_online(self, camera_id: str) -> bool | None:
        return self._online.get(camera_id)
