from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from video.analyzer import BgrImage
from video.detection import Box, DetectionKind
from video.detector.regions import Region, RegionTracker
from video.detector.verify_hook import VerifierScheduler, load_default_verifier, region_box


@dataclass(frozen=True)
class Score:
    flame: float
    smoke: float
    background: float


class MeanRedVerifier:
    """A stand-in verifier with a real rule: the redder the crop, the more flame."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def score(self, frame_bgr: BgrImage, boxes: Sequence[Box]) -> list[Score]:
        self.calls.append(len(boxes))
        h, w = frame_bgr.shape[:2]
        out = []
        for b in boxes:
            crop = frame_bgr[
                int(b.y * h) : int((b.y + b.h) * h), int(b.x * w) : int((b.x + b.w) * w)
            ]
            red = float(crop[..., 2].mean()) / 255 if crop.size else 0.0
            out.append(Score(flame=red, smoke=0.1, background=1 - red))
        return out


def test_region_box_scales_and_clips() -> None:
    box = region_box(Region(10, 5, 20, 10, 100), 100, 50)
    assert (box.x, box.y, box.w, box.h) == pytest.approx((0.1, 0.1, 0.2, 0.2))
    edge = region_box(Region(10, 10, 10, 10, 50), 100, 100, scale=8.0)
    assert (edge.x, edge.x + edge.w) == pytest.approx((0.8, 1.0))


def test_scheduler_budget_interval_and_oldest_first() -> None:
    verifier = MeanRedVerifier()
    scheduler = VerifierScheduler(verifier, interval_s=0.5, per_frame=2)
    tracker = RegionTracker(window=10, max_missed=5)
    tracks = tracker.update([Region(i * 10, 0, 5, 5, 25) for i in range(3)], 0.0)
    frame = np.zeros((50, 100, 3), np.uint8)
    frame[:, :50, 2] = 255
    due = scheduler.due(tracks, 0.0)
    assert len(due) == 2
    scheduler.score(frame, [(tr, region_box(tr.region, 100, 50), "flame") for tr in due], 0.0)
    assert [tr.verifier_p for tr in due] == [1.0, 1.0]
    assert scheduler.due(tracks, 0.1) == [tracks[2]]  # the unverified one, the others wait
    assert scheduler.due(tracks, 0.6)[0] is tracks[2]
    assert verifier.calls == [2]
    scheduler.score(frame, [], 0.7)
    assert verifier.calls == [2]


def test_settled_tracks_are_scored_again_only_after_the_longer_interval() -> None:
    scheduler = VerifierScheduler(MeanRedVerifier(), interval_s=1.0, settled_s=5.0)
    tracks = RegionTracker(window=10, max_missed=50).update(
        [Region(0, 0, 5, 5, 25), Region(50, 0, 5, 5, 25)], 0.0
    )
    frame = np.zeros((50, 100, 3), np.uint8)
    scheduler.score(frame, [(tr, region_box(tr.region, 100, 50), "flame") for tr in tracks], 0.0)
    calm = [tracks[0]]
    assert scheduler.due(tracks, 1.0, calm) == [tracks[1]]
    assert scheduler.due(tracks, 4.9, calm) == [tracks[1]]
    assert scheduler.due(tracks, 5.0, calm) == tracks


def test_default_verifier_loads_or_is_absent() -> None:
    verifier = load_default_verifier()
    if verifier is not None:
        scores = verifier.score(np.zeros((90, 160, 3), np.uint8), [Box(0.1, 0.1, 0.3, 0.3)])
        assert len(scores) == 1
        assert abs(scores[0].flame + scores[0].smoke + scores[0].background - 1.0) < 1e-3


class KindRecorder(MeanRedVerifier):
    """Kind-aware: the scheduler tells it what each box was proposed as."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: list[DetectionKind] = []

    def score_kinds(
        self, frame_bgr: BgrImage, boxes: Sequence[Box], kinds: Sequence[DetectionKind]
    ) -> list[Score]:
        self.kinds += kinds
        return self.score(frame_bgr, boxes)


def test_a_kind_aware_verifier_is_told_each_box_kind() -> None:
    verifier = KindRecorder()
    scheduler = VerifierScheduler(verifier, interval_s=1.0)
    tracks = RegionTracker(window=10, max_missed=5).update(
        [Region(0, 0, 5, 5, 25), Region(50, 0, 5, 5, 25)], 0.0
    )
    frame = np.zeros((50, 100, 3), np.uint8)
    kinds: list[DetectionKind] = ["smoke", "flame"]
    requests = [
        (tr, region_box(tr.region, 100, 50), k) for tr, k in zip(tracks, kinds, strict=True)
    ]
    scheduler.score(frame, requests, 0.0)
    assert verifier.kinds == ["smoke", "flame"] and verifier.calls == [2]
    # the scores are stored per track as before: smoke for the smoke track, flame for the flame
    assert [tr.verifier_p for tr in tracks] == [0.1, 0.0]
