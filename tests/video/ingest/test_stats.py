"""The worker's periodic report: one message for all its cameras, in a versioned JSON form."""

from __future__ import annotations

import json

import pytest

from video.detection import CameraHealth, MessageFormatError
from video.ingest.stats import DecodeStats, WorkerReport
from video.ingest.supervisor import parse_message


def report() -> WorkerReport:
    health = (
        CameraHealth("a", "online", 1.0, 25.0, 10.0, 3, 2, 1, 0.04, 1500.0),
        CameraHealth("b", "offline", 2.0, 0.0, 0.0, 0, 0, 4, None, 0.0, error="read failed"),
    )
    decode = (
        DecodeStats("a", packets=100, decoded_frames=40, resolution_changes=1, keyframes_only=True),
        DecodeStats("b", packets=0, decoded_frames=0, resolution_changes=0, keyframes_only=False),
    )
    return WorkerReport(health, decode)


def test_a_report_crosses_the_boundary_as_json_and_comes_back_equal() -> None:
    sent = report()
    wire = json.loads(json.dumps(sent.to_json()))
    assert wire["type"] == "worker_report" and wire["v"] == 1
    assert [h["camera_id"] for h in wire["health"]] == ["a", "b"]
    assert parse_message(wire) == sent


def test_a_report_of_another_version_is_refused() -> None:
    wire = report().to_json()
    wire["v"] = 2
    with pytest.raises(MessageFormatError, match="worker_report v1"):
        WorkerReport.from_json(wire)
