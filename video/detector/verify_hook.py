"""How the detector reaches the learned verifier, and when it asks it.

The verifier (a small CNN run by ONNX Runtime, in `video.detector.verifier`) is trained
and shipped separately; the detector depends only on the shape of its answer, written here as a
protocol. Asking it costs milliseconds per crop, so the scheduler asks about at most a few
candidate tracks per analysed frame, each again only after `interval_s` of stream time, the
track waiting longest first; a track's verdict stands until it is re-scored. While no new alarm
of a track's kind can rise (one is up, or cooling down) its verdict only keeps the alarm's
evidence current, and it is re-scored after the longer `settled_s`: a burning camera's verifier
would otherwise cost more than its decoding for as long as the fire lasts.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Sequence
from typing import Protocol, cast, runtime_checkable

from video.analyzer import BgrImage
from video.detection import Box, DetectionKind
from video.detector.regions import Region, Track

VERIFIER_MODULE = "video.detector.verifier"


class ScoreLike(Protocol):
    @property
    def flame(self) -> float: ...
    @property
    def smoke(self) -> float: ...
    @property
    def background(self) -> float: ...


class CandidateVerifier(Protocol):
    def score(self, frame_bgr: BgrImage, boxes: Sequence[Box]) -> Sequence[ScoreLike]: ...


@runtime_checkable
class KindAwareVerifier(Protocol):
    """A verifier that also wants to know which kind each box was proposed as (the training
    tools' recorder, which labels the detector's proposals by kind); the shipped one does not."""

    def score_kinds(
        self, frame_bgr: BgrImage, boxes: Sequence[Box], kinds: Sequence[DetectionKind]
    ) -> Sequence[ScoreLike]: ...


def load_default_verifier() -> CandidateVerifier | None:
    """The shipped verifier, or None when its module or model file is not there."""
    try:
        module = importlib.import_module(VERIFIER_MODULE)
    except ModuleNotFoundError as err:
        if err.name != VERIFIER_MODULE:
            raise  # the verifier exists but something it imports is missing: our bug
        return None
    return cast("CandidateVerifier | None", module.Verifier.load_default())


def region_box(region: Region, work_width: int, work_height: int, scale: float = 1.0) -> Box:
    """A region of the work image (or of a grid `scale` pixels a cell) as a 0..1 box.

    The verifier widens the box into its own square context crop, so no margin is added here.
    """
    x0, y0 = region.x * scale / work_width, region.y * scale / work_height
    x1 = min(1.0, (region.x + region.w) * scale / work_width)
    y1 = min(1.0, (region.y + region.h) * scale / work_height)
    return Box(x0, y0, x1 - x0, y1 - y0)


class VerifierScheduler:
    """Spends a bounded verifier budget per frame on the tracks that most need a verdict."""

    def __init__(
        self,
        verifier: CandidateVerifier,
        interval_s: float,
        settled_s: float | None = None,
        per_frame: int = 2,
    ) -> None:
        self._verifier = verifier
        # Decided once: a runtime protocol check is not free, and the verifier never changes.
        self._kind_aware = verifier if isinstance(verifier, KindAwareVerifier) else None
        self._interval_s = interval_s
        self._settled_s = interval_s if settled_s is None else settled_s
        self._per_frame = per_frame

    def due(
        self, tracks: Sequence[Track], t: float, settled: Collection[Track] = ()
    ) -> list[Track]:
        """The tracks to score now; those in `settled` are of a kind that cannot alarm now."""
        calm = {id(tr) for tr in settled}
        waiting = [
            tr
            for tr in tracks
            if tr.verified_t is None
            or t - tr.verified_t >= (self._settled_s if id(tr) in calm else self._interval_s)
        ]
        waiting.sort(key=lambda tr: float("-inf") if tr.verified_t is None else tr.verified_t)
        return waiting[: self._per_frame]

    def score(
        self, frame_bgr: BgrImage, requests: Sequence[tuple[Track, Box, DetectionKind]], t: float
    ) -> None:
        """Score each (track, box, kind) and store the probability of that kind on the track."""
        if not requests:
            return
        boxes = [box for _, box, _ in requests]
        if self._kind_aware is not None:
            scores = self._kind_aware.score_kinds(frame_bgr, boxes, [k for _, _, k in requests])
        else:
            scores = self._verifier.score(frame_bgr, boxes)
        for (track, _, kind), score in zip(requests, scores, strict=True):
            track.verified_t = t
            track.verifier_p = score.flame if kind == "flame" else score.smoke
