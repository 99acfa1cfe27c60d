"""Decoder counters of one camera, sent by its worker next to each periodic health report.

`CameraHealth` is the contract the rest of firegrid reads; these are the ingest's own numbers
(how much of the stream was actually decoded, resolution changes) for metrics and the bench.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from video.detection import SCHEMA_VERSION, MessageFormatError


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
