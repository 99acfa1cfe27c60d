"""What the video side tells the rest of firegrid: detections, alarm media and camera health.

Each message is a frozen dataclass with an explicit, versioned JSON form, because it crosses the
boundary between a worker process and the hub (and, later, between hub nodes over Redis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

SCHEMA_VERSION = 1

DetectionKind = Literal["flame", "smoke"]
CameraState = Literal["connecting", "online", "stalled", "offline"]


class MessageFormatError(ValueError):
    """A JSON message does not have the shape of its schema version."""


def _check_version(obj: dict[str, Any], kind: str) -> None:
    if obj.get("v") != SCHEMA_VERSION or obj.get("type") != kind:
        raise MessageFormatError(f"expected {kind} v{SCHEMA_VERSION}, got {obj!r:.120}")


@dataclass(frozen=True, slots=True)
class Box:
    """A region of the frame, each coordinate scaled to 0..1 so it survives resizing."""

    x: float
    y: float
    w: float
    h: float

    def to_json(self) -> list[float]:
        return [round(self.x, 4), round(self.y, 4), round(self.w, 4), round(self.h, 4)]

    @classmethod
    def from_json(cls, value: list[float]) -> Box:
        if len(value) != 4:
            raise MessageFormatError(f"a box has four numbers, got {value!r}")
        return cls(*(float(v) for v in value))


@dataclass(frozen=True, slots=True)
class Detection:
    """An alarm raised by one camera's detector.

    `t` is the stream time of the frame in seconds; `wall_time` is when it was seen (epoch s).
    `snapshot` is the path of a JPEG with the box drawn, written by the worker that decoded it.
    """

    id: str
    camera_id: str
    kind: DetectionKind
    box: Box
    confidence: float
    evidence: tuple[str, ...]
    t: float
    wall_time: float
    snapshot: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": "detection",
            "id": self.id,
            "camera_id": self.camera_id,
            "kind": self.kind,
            "box": self.box.to_json(),
            "confidence": round(self.confidence, 4),
            "evidence": list(self.evidence),
            "t": self.t,
            "wall_time": self.wall_time,
            "snapshot": self.snapshot,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Detection:
        _check_version(obj, "detection")
        kind = obj["kind"]
        if kind not in ("flame", "smoke"):
            raise MessageFormatError(f"unknown detection kind {kind!r}")
        return cls(
            id=str(obj["id"]),
            camera_id=str(obj["camera_id"]),
            kind=kind,
            box=Box.from_json(obj["box"]),
            confidence=float(obj["confidence"]),
            evidence=tuple(str(e) for e in obj["evidence"]),
            t=float(obj["t"]),
            wall_time=float(obj["wall_time"]),
            snapshot=obj.get("snapshot"),
        )


@dataclass(frozen=True, slots=True)
class ClipReady:
    """The MP4 of an alarm (pre-roll + post-roll, remuxed) is complete on disk."""

    detection_id: str
    camera_id: str
    path: str
    start_t: float
    end_t: float

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": "clip_ready",
            "detection_id": self.detection_id,
            "camera_id": self.camera_id,
            "path": self.path,
            "start_t": self.start_t,
            "end_t": self.end_t,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ClipReady:
        _check_version(obj, "clip_ready")
        return cls(
            detection_id=str(obj["detection_id"]),
            camera_id=str(obj["camera_id"]),
            path=str(obj["path"]),
            start_t=float(obj["start_t"]),
            end_t=float(obj["end_t"]),
        )


@dataclass(frozen=True, slots=True)
class CameraHealth:
    """A camera's state and counters, sent when the state changes and periodically."""

    camera_id: str
    state: CameraState
    since: float
    input_fps: float
    analysed_fps: float
    dropped_frames: int
    decode_errors: int
    reconnects: int
    last_frame_age_s: float | None
    bitrate_kbps: float
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": "camera_health",
            "camera_id": self.camera_id,
            "state": self.state,
            "since": self.since,
            "input_fps": round(self.input_fps, 2),
            "analysed_fps": round(self.analysed_fps, 2),
            "dropped_frames": self.dropped_frames,
            "decode_errors": self.decode_errors,
            "reconnects": self.reconnects,
            "last_frame_age_s": self.last_frame_age_s,
            "bitrate_kbps": round(self.bitrate_kbps, 1),
            "error": self.error,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CameraHealth:
        _check_version(obj, "camera_health")
        state = obj["state"]
        if state not in ("connecting", "online", "stalled", "offline"):
            raise MessageFormatError(f"unknown camera state {state!r}")
        age = obj.get("last_frame_age_s")
        return cls(
            camera_id=str(obj["camera_id"]),
            state=state,
            since=float(obj["since"]),
            input_fps=float(obj["input_fps"]),
            analysed_fps=float(obj["analysed_fps"]),
            dropped_frames=int(obj["dropped_frames"]),
            decode_errors=int(obj["decode_errors"]),
            reconnects=int(obj["reconnects"]),
            last_frame_age_s=None if age is None else float(age),
            bitrate_kbps=float(obj["bitrate_kbps"]),
            error=obj.get("error"),
        )
