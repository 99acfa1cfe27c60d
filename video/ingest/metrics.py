"""Prometheus text exposition of camera health, written by hand.

The format is a few lines of text (version 0.0.4); writing it directly keeps the worker-to-hub
path free of a metrics registry and the project free of a dependency for twenty lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from video.detection import CameraHealth, CameraState
from video.ingest.stats import DecodeStats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATES: tuple[CameraState, ...] = ("connecting", "online", "stalled", "offline")


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    kind: str  # "gauge" or "counter"
    help: str
    value: Callable[[CameraHealth], float | None]


CAMERA_METRICS = (
    Metric("firegrid_camera_input_fps", "gauge", "Input frame rate.", lambda h: h.input_fps),
    Metric(
        "firegrid_camera_analysed_fps",
        "gauge",
        "Frames per second analysed by the detector.",
        lambda h: h.analysed_fps,
    ),
    Metric(
        "firegrid_camera_dropped_frames_total",
        "counter",
        "Frames dropped because analysis fell behind.",
        lambda h: h.dropped_frames,
    ),
    Metric(
        "firegrid_camera_decode_errors_total",
        "counter",
        "Packets the decoder rejected.",
        lambda h: h.decode_errors,
    ),
    Metric("firegrid_camera_reconnects_total", "counter", "Reconnections.", lambda h: h.reconnects),
    Metric(
        "firegrid_camera_last_frame_age_seconds",
        "gauge",
        "Age of the last frame when the camera last reported.",
        lambda h: h.last_frame_age_s,
    ),
    Metric("firegrid_camera_bitrate_kbps", "gauge", "Received bitrate.", lambda h: h.bitrate_kbps),
)


DECODE_METRICS: tuple[tuple[str, str, str, Callable[[DecodeStats], float]], ...] = (
    (
        "firegrid_camera_decoded_frames_total",
        "counter",
        "Frames decoded (fewer than received while the activity gate skips P-frames).",
        lambda s: s.decoded_frames,
    ),
    (
        "firegrid_camera_resolution_changes_total",
        "counter",
        "Mid-stream changes of the picture size.",
        lambda s: s.resolution_changes,
    ),
    (
        "firegrid_camera_keyframes_only",
        "gauge",
        "1 while the activity gate decodes keyframes only.",
        lambda s: int(s.keyframes_only),
    ),
)


def render_metrics(
    statuses: Sequence[CameraHealth], decode: Sequence[DecodeStats], workers: int
) -> str:
    lines = [
        "# HELP firegrid_ingest_workers Ingest worker processes.",
        "# TYPE firegrid_ingest_workers gauge",
        f"firegrid_ingest_workers {workers}",
        "# HELP firegrid_camera_state 1 for the state the camera is in, 0 for the others.",
        "# TYPE firegrid_camera_state gauge",
    ]
    for health in statuses:
        for state in STATES:
            labels = _labels(camera=health.camera_id, state=state)
            lines.append(f"firegrid_camera_state{labels} {int(health.state == state)}")
    for metric in CAMERA_METRICS:
        lines.append(f"# HELP {metric.name} {metric.help}")
        lines.append(f"# TYPE {metric.name} {metric.kind}")
        for health in statuses:
            value = metric.value(health)
            if value is not None:
                lines.append(f"{metric.name}{_labels(camera=health.camera_id)} {float(value):g}")
    for name, kind, text, read in DECODE_METRICS:
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        lines += [f"{name}{_labels(camera=s.camera_id)} {read(s):g}" for s in decode]
    return "\n".join(lines) + "\n"


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    inner = ",".join(f'{key}="{escape(value)}"' for key, value in labels.items())
    return "{" + inner + "}"
