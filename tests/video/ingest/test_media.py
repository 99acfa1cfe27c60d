"""Snapshots and clips written from real encoded packets."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.video.ingest.clips import decoded_frames, encode_h264, scene
from video.detection import Box
from video.ingest.media import clip_path, snapshot_path, write_clip, write_snapshot
from video.ingest.ring import EncodedPacket
from video.ingest.source import PacketSource


def read_all(path: Path) -> list[EncodedPacket]:
    stop = threading.Event()
    source = PacketSource("cam", str(path), 1.0, 1.0, stop)
    source.open()
    out = list(source.read_pass())
    source.close()
    return out


def test_snapshot_has_the_box_drawn(tmp_path: Path) -> None:
    path = snapshot_path(tmp_path, "cam", "d1")
    write_snapshot(path, scene(0, 320, 180, red=False), Box(0.25, 0.25, 0.5, 0.5))
    image = cv2.imread(str(path))
    assert image is not None
    assert image.shape == (180, 320, 3)
    edge = image[45:135, 80]  # the left edge of the box is red
    assert np.median(edge[:, 2]) > 180 and np.median(edge[:, 1]) < 80
    assert not list(path.parent.glob("*.part"))


def test_clip_remuxes_packets_into_a_decodable_mp4(tmp_path: Path) -> None:
    packets = read_all(encode_h264(tmp_path / "in.264", seconds=3.0, gop=25))
    path = write_clip(clip_path(tmp_path, "cam", "d1"), packets[25:])
    assert path.name == "d1.mp4" and path.parent.name == "cam"
    assert decoded_frames(path) == 50


def nal_units(data: bytes) -> list[bytes]:
    """Split an Annex B access unit into its NAL units, each with its start code."""
    starts = []
    index = data.find(b"\x00\x00\x01")
    while index != -1:
        starts.append(index - 1 if index > 0 and data[index - 1] == 0 else index)
        index = data.find(b"\x00\x00\x01", index + 3)
    return [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]


def nal_type(unit: bytes) -> int:
    return unit[unit.index(b"\x00\x01") + 2] & 0x1F


def test_clip_gets_parameter_sets_from_extradata_when_packets_lack_them(tmp_path: Path) -> None:
    packets = read_all(encode_h264(tmp_path / "in.264", seconds=2.0))
    units = nal_units(packets[0].data)
    sps_pps = b"".join(u for u in units if nal_type(u) in (7, 8))
    assert sps_pps
    info = replace(packets[0].stream, extradata=sps_pps)
    stripped = [
        replace(
            p, data=b"".join(u for u in nal_units(p.data) if nal_type(u) not in (7, 8)), stream=info
        )
        for p in packets
    ]
    assert not any(nal_type(u) == 7 for u in nal_units(stripped[0].data))
    path = write_clip(tmp_path / "x.mp4", stripped)
    assert decoded_frames(path) == 50


def test_clip_must_start_at_a_keyframe(tmp_path: Path) -> None:
    packets = read_all(encode_h264(tmp_path / "in.264", seconds=1.0))
    with pytest.raises(ValueError):
        write_clip(tmp_path / "x.mp4", packets[1:])
