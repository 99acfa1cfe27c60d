"""The flame and smoke detector of one camera: frames in, alarms out, every stage composed.

Per analysed frame: shrink to a small work image (masked areas blacked out), find motion, propose
flame regions (flame colour intersected with motion) and smoke regions (grey blocks that change
slowly and veil edges), follow each region as a track, attach evidence to it (temporal flame
behaviour and flicker at the stream's full rate, smoke growth or rise, and above all the learned
verifier's verdict on its crop of the full frame) and let the persistence gate of each kind
turn a track's evidence window into one alarm per onset. Classical stages only propose; when
the verifier is there, nothing alarms without it.

While flame candidates are followed the detector wants the luma of every decoded frame, not only
of the analysed ones (`wants_luma`, `observe_luma`): flicker is invisible at the analysis rate.
While one of the camera's alarms is up or cooling down it wants fewer frames (`wants_frame`,
`settled_fps`): the camera's incident is open, and a fire in view would otherwise make its
camera cost two to three times an ordinary one for as long as it burns. While it follows no
candidate at all it wants half the frames (`idle_fps`): there is no evidence to gather, the
first candidate brings the full rate back from the next frame on, and the backgrounds learn
from each frame for the frames it declined, so they keep their pace per second. The smoke
stage seeks candidates on every other analysed frame (`smoke_fps`) and only learns its
background on the rest: smoke drifts over seconds, its evidence window is 4 s, and on a busy
street, where something grey moves in every frame, seeking them was a third of the detector's
cost.

Stages can be disabled by name (`STAGES`) to measure what each one earns.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import cv2
import numpy as np
from cv2.typing import MatLike

from video.analyzer import Alarm, BgrImage, LumaImage
from video.config import CameraConfig, DetectorConfig
from video.detection import Box, DetectionKind
from video.detector.errors import DetectorUsageError
from video.detector.flame_colour import FlameColourRule
from video.detector.flame_flicker import FlickerSettings, FlickerWindow
from video.detector.flame_temporal import FlameTemporal
from video.detector.motion import MotionModel
from video.detector.persistence import AlarmGate, FrameRate, FrameSchedule, GateSettings
from video.detector.regions import RegionTracker, Track, extract_regions
from video.detector.smoke import SmokeStage
from video.detector.tuning import LEVELS, SceneProfile, allowed_area
from video.detector.verify_hook import CandidateVerifier, VerifierScheduler, region_box

STAGES = (
    "motion",
    "flame_colour",
    "flame_temporal",
    "flame_flicker",
    "smoke",
    "verifier",
    "persistence",
)
FLAME_MIN_AREA = 4  # work-image pixels: a lighter's flame at 10 m still covers a few
SMOKE_MIN_BLOCKS = 2


@dataclass(frozen=True, slots=True)
class _Request:
    track: Track
    box: Box
    kind: DetectionKind


@dataclass(frozen=True, slots=True)
class _Candidate:
    track: Track
    proposed: bool  # the classical stages (temporal behaviour, smoke growth) agree
    details: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _KindState:
    tracker: RegionTracker
    gate: AlarmGate


class FireDetector:
    """Implements `video.analyzer.FrameAnalyzer`; one instance per camera, not thread-safe."""

    def __init__(
        self,
        settings: DetectorConfig,
        camera: CameraConfig,
        verifier: CandidateVerifier | None = None,
        disabled: Collection[str] = (),
        flicker: FlickerSettings | None = None,
    ) -> None:
        unknown = set(disabled) - set(STAGES)
        if unknown:
            raise DetectorUsageError(
                f"unknown stages {sorted(unknown)}; known: {', '.join(STAGES)}"
            )
        self._settings = settings
        self._camera = camera
        self._disabled = frozenset(disabled)
        self._level = LEVELS[camera.sensitivity]
        self._colour = FlameColourRule(cr_minus_cb=self._level.colour_margin)
        self._motion = MotionModel()
        self._temporal = FlameTemporal()
        # Off unless asked for, by the config or by a caller's own settings (the probe's).
        on = "flame_flicker" not in self._disabled and (flicker or settings.flicker_min > 0)
        flicker = flicker or FlickerSettings(min_hf=settings.flicker_min)
        self._flicker = FlickerWindow(flicker) if on else None
        self._smoke = SmokeStage()
        self._profile = SceneProfile(camera.profile)
        use_verifier = verifier is not None and "verifier" not in self._disabled
        self._verifier = (
            VerifierScheduler(verifier, settings.verify_interval_s, settings.verify_settled_s)
            if use_verifier and verifier is not None
            else None
        )
        self._rate = FrameRate(settings.analysis_fps)
        self._frames = FrameSchedule()  # the frames wanted (`wants_frame`)
        self._declined = 0  # frames offered and declined since the last one analysed
        self._smoke_frames = FrameSchedule()  # the frames the smoke stage proposes on
        self._flame = self._kind_state(settings.window_s, self._new_gate())
        self._smoke_state = self._kind_state(
            settings.smoke_window_s, self._new_gate(), self._smoke_fps
        )
        self._allowed: MatLike | None = None
        self._frame_size = (0, 0)
        self._work_size = (1, 1)
        # Per-frame buffers of the work image's size, reallocated when the stream's size changes.
        self._work: MatLike = np.empty((1, 1, 3), np.uint8)
        self._grey: MatLike = np.empty((1, 1), np.uint8)
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        self.last_confidence: dict[DetectionKind, float] = {"flame": 0.0, "smoke": 0.0}

    def _new_gate(self) -> AlarmGate:
        on = self._level.window_on if "persistence" not in self._disabled else 1.0
        settings = GateSettings(on=on, off=min(0.2, on / 2), cooldown_s=self._settings.cooldown_s)
        return AlarmGate(settings)

    def _kind_state(self, window_s: float, gate: AlarmGate, fps: float | None = None) -> _KindState:
        return _KindState(RegionTracker(*self._window_sizes(window_s, fps)), gate)

    @property
    def _smoke_fps(self) -> float:
        """The rate smoke frames really come at."""
        return min(self._settings.smoke_fps, self._rate.sized_for)

    def _window_sizes(self, window_s: float, fps: float | None = None) -> tuple[int, int, int]:
        """Evidence window, frames a track may go unseen, shape history: in frames at the rate
        frames really come at (the stage's own, when it runs at `fps`)."""
        history = max(1, round(window_s * (fps or self._rate.sized_for)))
        window = history if "persistence" not in self._disabled else 1
        # Unseen for half its window, a track holds at most half a window of evidence: drop it.
        return window, max(1, history // 2), history

    def _resize_windows(self) -> None:
        self._flame.tracker.resize(*self._window_sizes(self._settings.window_s))
        sizes = self._window_sizes(self._settings.smoke_window_s, self._smoke_fps)
        self._smoke_state.tracker.resize(*sizes)

    @property
    def analysis_fps(self) -> float:
        return self._settings.analysis_fps

    @property
    def analysis_width(self) -> int:
        return self._settings.analysis_width

    @property
    def verifier_enabled(self) -> bool:
        return self._verifier is not None

    @property
    def wants_luma(self) -> bool:
        """Whether the luma of every decoded frame is wanted now: flame candidates are live."""
        return self._flicker is not None and bool(self._flame.tracker.tracks)

    def wants_frame(self, t: float) -> bool:
        if self._frames.due(t):
            return True
        self._declined += 1
        self._rate.offered(t)
        return False

    def observe_luma(self, luma: LumaImage, t: float) -> None:
        if self._flicker is not None:
            self._flicker.add(luma, t)

    def feed(self, frame_bgr: BgrImage, t: float) -> list[Alarm]:
        if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3:
            raise DetectorUsageError(f"expected an HxWx3 BGR frame, got shape {frame_bgr.shape}")
        if self._rate.update(t):
            self._resize_windows()
        # The frames declined since the last one analysed: the backgrounds learn for them too.
        frames, self._declined = 1 + self._declined, 0
        work = self._shrink(frame_bgr)
        grey = cv2.cvtColor(work, cv2.COLOR_BGR2GRAY, dst=self._grey)
        ycrcb = cv2.cvtColor(work, cv2.COLOR_BGR2YCrCb)  # fresh: a lazy colour mask keeps it
        moving: MatLike | None = None  # None: nothing moved
        if "motion" in self._disabled:
            moving = np.full(grey.shape, 255, np.uint8)
        else:
            motion = self._motion.update(grey, frames)
            if cv2.countNonZero(motion.mask):
                moving = cv2.dilate(motion.mask, self._kernel)
        night = self._profile.update(ycrcb)
        requests: list[_Request] = []
        flame_tracks = self._propose_flames(ycrcb, moving, t, requests)
        if self._flicker is not None and not self._flame.tracker.tracks:
            self._flicker.clear()  # nothing to measure: the next candidate starts afresh
        kinds: list[tuple[DetectionKind, _KindState, list[_Candidate]]] = [
            ("flame", self._flame, flame_tracks)
        ]
        smoke_on = "smoke" not in self._disabled and not night
        if self._smoke_due(t):
            smoke_tracks = self._propose_smoke(ycrcb, grey, smoke_on, t, requests, frames)
            kinds.append(("smoke", self._smoke_state, smoke_tracks))
        elif smoke_on:
            self._smoke.learn(grey, frames)
        self._verify(frame_bgr, requests, t)
        alarms: list[Alarm] = []
        for kind, state, tracks in kinds:
            alarm = self._decide(kind, state, tracks, t)
            if alarm is not None:
                alarms.append(alarm)
        self._plan_rate(t)
        return alarms

    def _smoke_due(self, t: float) -> bool:
        """Whether the smoke stage runs on the frame at `t`; if so, when it next does."""
        if not self._smoke_frames.due(t):
            return False
        # Frames come with jitter: the one closest to the smoke schedule runs.
        self._smoke_frames.take(t, t + 1.0 / self._smoke_fps - 0.5 / self._rate.sized_for)
        return True

    def _plan_rate(self, t: float) -> None:
        """Analyse at `settled_fps` while an alarm of either kind is up or cooling down, at
        `idle_fps` while no candidate of either kind is followed, else at the full rate.

        No alarm of that kind can rise while one is settled, and one of the other kind would
        join the incident already open; the alarm's own end is still seen, a little later.
        Without candidates there is no evidence to gather: the first one seen brings the full
        rate back from the next frame on, and its evidence window starts then.
        """
        settings = self._settings
        top = settings.analysis_fps
        if self._flame.gate.settled(t) or self._smoke_state.gate.settled(t):
            fps = min(settings.settled_fps, top)
        elif not (self._flame.tracker.tracks or self._smoke_state.tracker.tracks):
            fps = min(settings.idle_fps, top)
        else:
            fps = top
        if fps != self._rate.planned_fps:
            self._rate.replan(fps)
            self._resize_windows()
        # Due frames come on the full rate's schedule, with jitter: take the one closest.
        self._frames.take(t, t + 1.0 / fps - 0.5 / top if fps < top else t)

    def _shrink(self, frame: BgrImage) -> MatLike:
        height, width = frame.shape[:2]
        if self._frame_size != (width, height):
            work_w = min(self._settings.work_width, width)
            self._frame_size = (width, height)
            self._work_size = (work_w, max(1, round(height * work_w / width)))
            self._allowed = allowed_area(self._camera.masks, *self._work_size)
            self._work = np.empty((self._work_size[1], self._work_size[0], 3), np.uint8)
            self._grey = np.empty((self._work_size[1], self._work_size[0]), np.uint8)
        work_w, work_h = self._work_size
        # Bilinear, as Frigate does for its motion image: area averaging would be cleaner but
        # costs more than all the stages after it; the stages compare a frame with the same
        # sampling of earlier frames, so the aliasing of static texture cancels out.
        work = cv2.resize(frame, (work_w, work_h), dst=self._work, interpolation=cv2.INTER_LINEAR)
        if self._allowed is not None:
            work = cv2.bitwise_and(work, work, mask=self._allowed)
        return work

    def _propose_flames(
        self, ycrcb: MatLike, moving: MatLike | None, t: float, requests: list[_Request]
    ) -> list[_Candidate]:
        colour_off = "flame_colour" in self._disabled
        if moving is None:
            # No motion, so no flame candidate: this frame's colour mask is computed only if
            # the next frame has tracks to compare with it.
            self._temporal.begin_frame(
                (lambda: np.zeros(ycrcb.shape[:2], np.uint8))
                if colour_off
                else (lambda: self._colour.mask(ycrcb))
            )
            self._flame.tracker.update([], t)
            return []
        colour = moving if colour_off else self._colour.mask(ycrcb)
        # Closing joins the tongues of one flame into one region, so that one fire is one track
        # (a flame split differently each frame would keep restarting its evidence window).
        candidates_px = cv2.morphologyEx(
            cv2.bitwise_and(colour, moving), cv2.MORPH_CLOSE, self._kernel
        )
        previous = self._temporal.begin_frame(colour)
        seen = self._flame.tracker.update(extract_regions(candidates_px, FLAME_MIN_AREA), t)
        out: list[_Candidate] = []
        height, width = ycrcb.shape[:2]
        for track in seen:
            temporal = self._temporal.score(track, colour, previous)
            ok = "flame_temporal" in self._disabled or temporal >= self._level.temporal_min
            box = region_box(track.region, width, height)
            # Measured only when the rest of the evidence is there: it is the costliest part.
            flickers = self._flickers(track, box, t) if ok else False
            details: tuple[str, ...] = (f"temporal={temporal:.2f}",)
            if self._flicker is not None:
                measured = "n/a" if track.flicker is None else f"{track.flicker:.2f}"
                details = (*details, f"flicker={measured}")
            out.append(_Candidate(track, ok and flickers is True, details))
            # Not yet measured: the verifier's verdict is sought meanwhile, so that it is there
            # when the flicker window has filled.
            if ok and flickers is not False:
                requests.append(_Request(track, box, "flame"))
        return out

    def _flickers(self, track: Track, box: Box, t: float) -> bool | None:
        """Whether the track flickers like a flame; None while the window is still filling."""
        window = self._flicker
        if window is None or window.too_slow:
            return True
        settings = window.settings
        if track.flicker_t is None or t - track.flicker_t >= settings.interval_s:
            measured = window.measure(box)
            if measured is not None:
                track.flicker, track.flicker_t = measured, t
        return None if track.flicker is None else track.flicker >= settings.min_hf

    def _propose_smoke(
        self,
        ycrcb: MatLike,
        grey: MatLike,
        smoke_on: bool,
        t: float,
        requests: list[_Request],
        frames: int,
    ) -> list[_Candidate]:
        if not smoke_on:  # disabled, or night: the tracks end
            self._smoke_state.tracker.update([], t)
            return []
        frame = self._smoke.update(ycrcb, grey, frames)
        seen = self._smoke_state.tracker.update(extract_regions(frame.blocks, SMOKE_MIN_BLOCKS), t)
        grid = frame.blocks.shape[:2]
        min_frames = max(2, round(self._smoke_fps))
        block = self._smoke.settings.block
        height, width = grey.shape[:2]
        out: list[_Candidate] = []
        for track in seen:
            ok = self._smoke.track_evidence(track, (grid[0], grid[1]), min_frames)
            out.append(_Candidate(track, ok, ("grey-slow-veiling", "grows-or-rises")))
            if ok:
                box = region_box(track.region, width, height, scale=block)
                requests.append(_Request(track, box, "smoke"))
        return out

    def _verify(self, frame_bgr: BgrImage, requests: list[_Request], t: float) -> None:
        if self._verifier is None:
            return
        states = {"flame": self._flame, "smoke": self._smoke_state}
        settled = [r.track for r in requests if states[r.kind].gate.settled(t)]
        due = {id(tr) for tr in self._verifier.due([r.track for r in requests], t, settled)}
        chosen = [(r.track, r.box, r.kind) for r in requests if id(r.track) in due]
        self._verifier.score(frame_bgr, chosen, t)

    def _decide(
        self, kind: DetectionKind, state: _KindState, candidates: list[_Candidate], t: float
    ) -> Alarm | None:
        for cand in candidates:
            cand.track.evidence.append(cand.proposed and self._verified(cand.track, kind))
        best = state.tracker.best()
        score = best.score if best is not None else 0.0
        self.last_confidence[kind] = score
        if not state.gate.update(score, t) or best is None:
            return None
        scale = self._smoke.settings.block if kind == "smoke" else 1
        box = region_box(best.region, *self._work_size, scale=scale)
        details = next((c.details for c in candidates if c.track is best), ())
        evidence = (*details, f"window={score:.2f}")
        confidence = score
        if self._verifier is not None and best.verifier_p is not None:
            evidence = (*evidence, f"verifier={best.verifier_p:.2f}")
            confidence = best.verifier_p
        return Alarm(kind=kind, box=box, confidence=confidence, evidence=evidence)

    def _verified(self, track: Track, kind: DetectionKind) -> bool:
        if self._verifier is None:
            return True
        p = track.verifier_p
        return p is not None and p >= self._level.verifier_min(kind)
