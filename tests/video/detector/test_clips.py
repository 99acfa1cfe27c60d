from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.video.detector.clipfiles import write_clip
from video.detector.clips import analysed_frames, every_frame
from video.detector.errors import ClipReadError


def test_frames_are_picked_at_the_analysis_rate_by_timestamp(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "c.mp4", seconds=3, fps=25)
    frames = list(analysed_frames(path, 160, 10.0))
    assert 29 <= len(frames) <= 31
    assert frames[0].t == 0.0
    assert frames[-1].t == pytest.approx(2.9, abs=0.05)
    assert frames[0].image.shape == (90, 160, 3)
    gaps = [b.t - a.t for a, b in itertools.pairwise(frames)]
    assert min(gaps) >= 0.079 and max(gaps) <= 0.121


def test_a_clip_slower_than_the_rate_gives_every_frame(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "slow.mp4", seconds=2, fps=5)
    assert len(list(analysed_frames(path, 160, 10.0))) == 10


def test_every_frame_flags_exactly_the_frames_the_analyser_is_fed(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "c.mp4", seconds=3, fps=25)
    every = list(every_frame(path, 160, 10.0))
    assert len(every) == 75
    assert all(f.luma().shape == (90, 160) for f in every)
    analysed = list(analysed_frames(path, 160, 10.0))
    flagged = [f for f in every if f.due]
    assert [f.t for f in flagged] == [f.t for f in analysed]
    assert all((a.bgr() == b.image).all() for a, b in zip(flagged, analysed, strict=True))


def test_unreadable_files_raise_clip_read_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(ClipReadError):
        list(analysed_frames(bad, 160, 10.0))
