"""A worker's periodic report: the health and decoder counters of each of its cameras.

`CameraHealth` is the contract the rest of firegrid reads; `DecodeStats` are the ingest's own
numbers (how much of the stream was actually decoded, resolution changes) for metrics and the
bench. Each worker sends one `WorkerReport` a second for all its cameras rather than two
messages per camera: every message crossing to the hub costs a pickle, a wake-up of the queue's
feeder thread, a pipe write, and in the hub a read, a parse and an event-loop wake-up, which
with hundreds of cameras would keep the hub's event loop busy with nothing but reports. A
camera's state changes (online, stalled, offline) do not wait for the report; they go at once as
their own `CameraHealth`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from video.detection import SCHEMA_VERSION, CameraHealth, MessageFormatError


@dataclass(frozen=True, slots=True)
class DecodeStats:
    camera_id: str
    packets: int
    decoded_frames: int
    resolution_changes: int
    # True while the activity gate decodes keyframes only.
    keyframes_only: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": "decode_stats",
            "camera_id": self.camera_id,
            "packets": self.packets,
            "decoded_frames": self.decoded_frames,
            "resolution_changes": self.resolution_changes,
            "keyframes_only": self.keyframes_only,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> DecodeStats:
        if obj.get("v") != SCHEMA_VERSION or obj.get("type") != "decode_stats":
            raise MessageFormatError(f"expected decode_stats v{SCHEMA_VERSION}, got {obj!r:.120}")
        return cls(
            camera_id=str(obj["camera_id"]),
            packets=int(obj["packets"]),
            decoded_frames=int(obj["decoded_frames"]),
            resolution_changes=int(obj["resolution_changes"]),
            keyframes_only=bool(obj["keyframes_only"]),
        )


@dataclass(frozen=True, slots=True)
class WorkerReport:
    health: tuple[CameraHealth, ...]
    decode: tuple[DecodeStats, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": "worker_report",
            "health": [h.to_json() for h in self.health],
            "decode": [d.to_json() for d in self.decode],
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> WorkerReport:
        if obj.get("v") != SCHEMA_VERSION or obj.get("type") != "worker_report":
            raise MessageFormatError(f"expected worker_report v{SCHEMA_VERSION}, got {obj!r:.120}")
        return cls(
            health=tuple(CameraHealth.from_json(h) for h in obj["health"]),
            decode=tuple(DecodeStats.from_json(d) for d in obj["decode"]),
        )
