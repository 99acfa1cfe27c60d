"""The camera decoder: frames at the analyser's rate and size, and keyframe picture changes."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.video.ingest.clips import encode_h264
from video.ingest.decoder import FrameDecoder
from video.ingest.keyframes import KeyframeChange
from video.ingest.source import PacketSource


def test_frames_come_at_the_analysers_rate_and_width(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "a.264", width=320, height=180, seconds=2.0, gop=25)
    source = PacketSource("cam", str(clip), 1.0, 1.0, threading.Event())
    source.open()
    decoder = FrameDecoder(analysis_width=160, analysis_fps=5.0)
    pictures = [item for packet in source.read_pass() for item in decoder.decode(packet)]
    source.close()
    assert len(pictures) == 50
    due = [p for p in pictures if p.due]
    assert len(due) == 10
    assert due[0].bgr().shape == (90, 160, 3)


def test_after_a_keyframes_only_spell_the_rate_resumes_without_a_burst(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "a.264", width=320, height=180, seconds=5.0, gop=25)
    source = PacketSource("cam", str(clip), 1.0, 1.0, threading.Event())
    source.open()
    decoder = FrameDecoder(analysis_width=160, analysis_fps=5.0)
    # Keyframes only (a still scene behind the activity gate) until 3 s, then every frame.
    packets = [p for p in source.read_pass() if p.keyframe or p.t >= 3.0]
    due = [round(p.t, 2) for packet in packets for p in decoder.decode(packet) if p.due]
    source.close()
    assert due == [0.0, 1.0, 2.0, 3.0, 3.2, 3.4, 3.6, 3.8, 4.0, 4.2, 4.4, 4.6, 4.8]


def test_a_patch_appearing_in_a_grainy_still_scene_changes_the_next_keyframe(
    tmp_path: Path,
) -> None:
    # Keyframes every second; the patch appears between the keyframes at 6 and 7 s.
    clip = encode_h264(
        tmp_path / "still.264", seconds=9.0, red_from=6.5, gop=25, moving=False, grain=4.0
    )
    source = PacketSource("cam", str(clip), 1.0, 1.0, threading.Event())
    source.open()
    decoder = FrameDecoder(160, 5.0, KeyframeChange())
    changes = []
    for packet in source.read_pass():
        decoder.decode(packet)
        if decoder.picture_changed_at is not None:
            changes.append(round(decoder.picture_changed_at, 2))
    source.close()
    assert changes[:1] == [7.0]
