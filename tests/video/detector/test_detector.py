from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from tests.video.detector.scenes import add_car, add_flame, add_smoke, static_scene
from video.analyzer import Alarm, BgrImage
from video.config import CameraConfig, DetectorConfig
from video.detection import Box
from video.detector import DetectorUsageError, FireDetector, build_detector, make_detector
from video.detector.smoke import SmokeStage
from video.detector.tuning import LEVELS, camera_defaults

Draw = Callable[[BgrImage, int], None]


@dataclass(frozen=True)
class Score:
    flame: float
    smoke: float
    background: float


class FixedVerifier:
    """A verifier that always gives the same verdict: tests the detector's use of it."""

    def __init__(self, flame: float, smoke: float) -> None:
        self._score = Score(flame, smoke, max(0.0, 1 - flame - smoke))
        self.boxes = 0

    def score(self, frame_bgr: BgrImage, boxes: Sequence[Box]) -> list[Score]:
        self.boxes += len(boxes)
        return [self._score for _ in boxes]


def _run(
    detector: FireDetector,
    draw: Draw,
    seconds: float = 10.0,
    stream_fps: float = 25.0,
    fed: list[float] | None = None,
) -> list[tuple[float, Alarm]]:
    """Play a drawn scene as a `stream_fps` camera, fed as the hub feeds the detector: the luma
    of every frame while it is wanted, and the frames due at the analysis rate that it wants
    (their times go to `fed`)."""
    alarms: list[tuple[float, Alarm]] = []
    next_t = 0.0
    for n in range(round(seconds * stream_fps)):
        frame = static_scene()
        draw(frame, n)
        t = n / stream_fps
        if detector.wants_luma:
            detector.observe_luma(np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), np.uint8), t)
        if t + 1e-9 >= next_t:
            next_t += 1 / detector.analysis_fps
            if detector.wants_frame(t):
                alarms.extend((t, a) for a in detector.feed(frame, t))
                if fed is not None:
                    fed.append(t)
    return alarms


def _detector(
    camera: CameraConfig | None = None,
    verifier: FixedVerifier | None = None,
    disabled: Sequence[str] = (),
) -> FireDetector:
    return FireDetector(DetectorConfig(), camera or camera_defaults(), verifier, disabled)


def _flame(frame: BgrImage, i: int) -> None:
    add_flame(frame, i)


def test_a_flickering_flame_alarms_once_within_seconds() -> None:
    detector = _detector()
    alarms = _run(detector, _flame)
    assert len(alarms) == 1
    t, alarm = alarms[0]
    assert alarm.kind == "flame" and t <= 3.0
    assert 0.3 < alarm.box.x < 0.6 and 0.3 < alarm.box.y < 0.8
    assert any(e.startswith("temporal=") for e in alarm.evidence)
    assert not any(e.startswith("flicker=") for e in alarm.evidence)  # off by default
    assert detector.last_confidence["flame"] >= 0.5


def _smooth_blob(frame: BgrImage, n: int) -> None:
    """A flame-coloured shape that swells, shrinks and drifts smoothly from frame to frame (a
    lamp-lit sign swinging, a person in orange): every frame differs, but not like a flame.
    Drawn anti-aliased at sub-pixel precision, as a camera's optics would blur its edges."""
    phase = 2 * np.pi * n / 75
    axes = (12 + 6 * np.sin(phase / 2), 22 + 10 * np.sin(phase / 3))
    centre = (150 + 20 * np.sin(phase / 4), 110 + 6 * np.cos(phase / 5))
    sub = 16  # cv2's `shift=4`: coordinates in sixteenths of a pixel
    cv2.ellipse(
        frame,
        (round(centre[0] * sub), round(centre[1] * sub)),
        (round(axes[0] * sub), round(axes[1] * sub)),
        15 * np.sin(phase / 2.5),
        0,
        360,
        (0, 120, 255),
        -1,
        cv2.LINE_AA,
        4,
    )


FLICKERING = DetectorConfig(flicker_min=0.05)


def _flicker_detector(disabled: Sequence[str] = ()) -> FireDetector:
    return FireDetector(FLICKERING, camera_defaults(), None, disabled)


def test_a_smoothly_changing_flame_coloured_shape_fails_the_flicker_stage() -> None:
    def flames(detector: FireDetector) -> list[float]:
        return [t for t, a in _run(detector, _smooth_blob, seconds=15) if a.kind == "flame"]

    assert flames(_detector()) != []  # the stage is off by default
    assert flames(_flicker_detector(disabled=["flame_flicker"])) != []
    assert flames(_flicker_detector()) == []


def test_a_flickering_flame_passes_the_flicker_stage() -> None:
    alarms = _run(_flicker_detector(), _flame)
    assert [a.kind for _, a in alarms] == ["flame"] and alarms[0][0] <= 3.0
    flicker = next(e for e in alarms[0][1].evidence if e.startswith("flicker="))
    assert float(flicker.split("=")[1]) > 0.5


def test_flicker_is_not_judged_on_a_stream_too_slow_to_show_it() -> None:
    alarms = _run(_flicker_detector(), _flame, stream_fps=10.0)
    assert [a.kind for _, a in alarms] == ["flame"]
    assert "flicker=n/a" in alarms[0][1].evidence


def test_luma_is_wanted_only_while_flame_candidates_are_followed() -> None:
    detector = _flicker_detector()
    _run(detector, lambda f, i: None, seconds=2)
    assert not detector.wants_luma
    _run(detector, _flame, seconds=2)
    assert detector.wants_luma
    default = _detector()
    _run(default, _flame, seconds=2)
    assert not default.wants_luma  # off by default: no luma asked for, no cost


def test_windows_are_in_seconds_whatever_rate_frames_come_at() -> None:
    """A 5 fps camera (a substream) alarms about as soon as one analysed at 10 fps; with
    windows counted in frames planned for 10 fps it took twice as long. Both at the full rate
    from the first frame (no idle rate), so that only the windows differ."""
    settings = DetectorConfig(idle_fps=DetectorConfig().analysis_fps)
    at_10 = _run(FireDetector(settings, camera_defaults()), _flame, stream_fps=10.0)[0][0]
    at_5 = _run(FireDetector(settings, camera_defaults()), _flame, stream_fps=5.0)[0][0]
    assert at_5 <= at_10 + 1.0


def test_a_static_scene_stays_quiet() -> None:
    detector = _detector()
    assert _run(detector, lambda f, i: None, seconds=20) == []
    assert detector.last_confidence == {"flame": 0.0, "smoke": 0.0}


def test_a_red_car_crossing_is_not_a_flame() -> None:
    assert _run(_detector(), lambda f, i: add_car(f, i % 50), seconds=15) == []


def test_a_rising_plume_raises_a_smoke_alarm() -> None:
    alarms = _run(_detector(), lambda f, i: add_smoke(f, i), seconds=8)
    assert [a.kind for _, a in alarms] == ["smoke"]
    assert alarms[0][0] <= 6.0


def test_a_masked_flame_is_never_seen() -> None:
    camera = camera_defaults().model_copy(
        update={"masks": [[(0.3, 0.3), (0.7, 0.3), (0.7, 0.9), (0.3, 0.9)]]}
    )
    assert _run(_detector(camera), _flame) == []


def test_the_verifier_decides_when_present() -> None:
    rejecting = FixedVerifier(flame=0.05, smoke=0.05)
    assert _run(_detector(verifier=rejecting), _flame) == []
    assert rejecting.boxes > 0
    confirming = FixedVerifier(flame=0.9, smoke=0.05)
    alarms = _run(_detector(verifier=confirming), _flame)
    assert [a.kind for _, a in alarms] == ["flame"]
    assert alarms[0][1].confidence == 0.9
    assert "verifier=0.90" in alarms[0][1].evidence
    # The budget: at most two crops per analysed frame, each track re-scored once a second,
    # and once every five while its alarm is up (about 2 s of the 10 are before the alarm).
    assert confirming.boxes <= 2 * (3 + 8 // 5 + 1)


def test_each_kind_is_held_to_its_own_verifier_threshold() -> None:
    medium = LEVELS["medium"]
    between = (medium.smoke_min + medium.flame_min) / 2  # enough for smoke, not for flame
    assert medium.smoke_min < between < medium.flame_min
    unsure = FixedVerifier(flame=between, smoke=between)
    assert _run(_detector(verifier=unsure), _flame) == []
    plume = _run(_detector(verifier=unsure), lambda f, i: add_smoke(f, i), seconds=8)
    assert [a.kind for _, a in plume] == ["smoke"]


def test_disabling_the_verifier_stage_ignores_it() -> None:
    detector = _detector(verifier=FixedVerifier(0.0, 0.0), disabled=["verifier"])
    assert not detector.verifier_enabled
    assert len(_run(detector, _flame)) == 1


def test_without_persistence_the_first_evidence_alarms() -> None:
    with_window = _run(_detector(), _flame)[0][0]
    without = _run(_detector(disabled=["persistence"]), _flame)[0][0]
    assert without < with_window


def test_alarm_after_cooldown_is_a_new_onset() -> None:
    settings = DetectorConfig(cooldown_s=2.0)
    detector = FireDetector(settings, camera_defaults())

    def on_off(frame: BgrImage, i: int) -> None:
        if (i // 150) % 2 == 0:  # 6 s of fire, 6 s without, again (25 frames a second)
            add_flame(frame, i)

    alarms = _run(detector, on_off, seconds=18)
    assert [a.kind for _, a in alarms] == ["flame", "flame"]
    assert alarms[1][0] >= 12.0


def _rate(fed: list[float], start: float, end: float) -> float:
    return sum(start <= t < end for t in fed) / (end - start)


def test_an_alarming_camera_is_analysed_at_the_settled_rate_until_its_cooldown_ends() -> None:
    settings = DetectorConfig(cooldown_s=4.0)
    detector = FireDetector(settings, camera_defaults())
    fed: list[float] = []

    def burns_for_8_s(frame: BgrImage, i: int) -> None:
        if i < 200:
            add_flame(frame, i)

    alarms = _run(detector, burns_for_8_s, seconds=24, fed=fed)
    assert [a.kind for _, a in alarms] == ["flame"]
    alarm_t = alarms[0][0]
    # The second before the alarm: a candidate is followed, so the full rate.
    assert _rate(fed, alarm_t - 1.0, alarm_t) == pytest.approx(settings.analysis_fps, rel=0.15)
    # Up while it burns, then the end is seen and the cooldown runs: thinned throughout.
    assert _rate(fed, alarm_t + 0.5, 12.0) == pytest.approx(settings.settled_fps, rel=0.15)
    # Cooled down (at most 8 s + the end's lag + 4 s): no longer thinned to the settled rate
    # (the full rate while the fire's ghost in the backgrounds is followed, then the idle one).
    assert _rate(fed, 18.0, 24.0) >= 0.85 * settings.idle_fps


def test_a_camera_following_no_candidate_is_analysed_at_the_idle_rate() -> None:
    settings = DetectorConfig()
    fed: list[float] = []
    assert _run(FireDetector(settings, camera_defaults()), lambda f, i: None, fed=fed) == []
    assert _rate(fed, 1.0, 10.0) == pytest.approx(settings.idle_fps, rel=0.1)


def test_a_fire_in_an_idle_view_brings_the_full_rate_back_and_alarms_as_soon() -> None:
    def fire_from_4_s(frame: BgrImage, i: int) -> None:
        if i >= 100:
            add_flame(frame, i)

    settings = DetectorConfig()
    fed: list[float] = []
    alarms = _run(FireDetector(settings, camera_defaults()), fire_from_4_s, fed=fed)
    never_idle = DetectorConfig(idle_fps=settings.analysis_fps)
    unthinned = _run(FireDetector(never_idle, camera_defaults()), fire_from_4_s)
    assert [a.kind for _, a in alarms] == [a.kind for _, a in unthinned] == ["flame"]
    # At most one idle frame interval later than a detector that never thins its rate.
    assert alarms[0][0] <= unthinned[0][0] + 1 / settings.idle_fps + 1e-6
    assert _rate(fed, 1.0, 4.0) == pytest.approx(settings.idle_fps, rel=0.15)
    assert _rate(fed, 4.5, alarms[0][0]) == pytest.approx(settings.analysis_fps, rel=0.15)


def test_a_settled_camera_takes_any_frame_once_time_goes_back() -> None:
    detector = FireDetector(DetectorConfig(cooldown_s=60.0), camera_defaults())
    fed: list[float] = []
    alarms = _run(detector, _flame, seconds=6, fed=fed)
    assert alarms
    # Settled: the next wanted frame comes about 0.4 s after the last one analysed.
    assert not detector.wants_frame(fed[-1] + 0.2)
    assert detector.wants_frame(0.0)  # a new connection or a looped file restarts the clock


@pytest.mark.parametrize(
    ("smoke_fps", "stream_fps", "share"),
    [(5.0, 25.0, 0.5), (10.0, 25.0, 1.0), (5.0, 5.0, 1.0)],  # a 5 fps substream: every frame
)
def test_the_smoke_stage_proposes_at_its_own_rate_and_learns_in_between(
    monkeypatch: pytest.MonkeyPatch, smoke_fps: float, stream_fps: float, share: float
) -> None:
    calls = {"update": 0, "learn": 0}

    def counted(name: str) -> Callable[..., object]:
        real = getattr(SmokeStage, name)

        def spy(*args: object) -> object:
            calls[name] += 1
            return real(*args)

        return spy

    for name in calls:
        monkeypatch.setattr(SmokeStage, name, counted(name))
    fed: list[float] = []
    # Every analysed frame counts here, whether or not a candidate is followed.
    settings = DetectorConfig(smoke_fps=smoke_fps, idle_fps=10.0)
    detector = FireDetector(settings, camera_defaults())
    assert (
        _run(detector, lambda f, i: add_car(f, i), seconds=8, stream_fps=stream_fps, fed=fed) == []
    )
    assert len(fed) == pytest.approx(8 * min(stream_fps, detector.analysis_fps), abs=1)
    assert calls["update"] + calls["learn"] == len(fed)  # the background learns from every one
    assert calls["update"] == pytest.approx(share * len(fed), abs=1)


def test_usage_errors() -> None:
    with pytest.raises(DetectorUsageError, match="unknown stages"):
        _detector(disabled=["colour"])
    with pytest.raises(DetectorUsageError, match="HxWx3"):
        _detector().feed(np.zeros((10, 10), np.uint8), 0.0)


def test_make_detector_is_a_frame_analyzer_with_the_settings() -> None:
    settings = DetectorConfig(analysis_fps=8, analysis_width=480, use_verifier=False)
    analyzer = make_detector(camera_defaults(), settings)
    assert analyzer.analysis_fps == 8 and analyzer.analysis_width == 480
    assert analyzer.feed(static_scene(), 0.0) == []
    assert not build_detector(camera_defaults(), settings).verifier_enabled


def test_frame_size_changes_are_absorbed() -> None:
    detector = _detector()
    detector.feed(static_scene(180, 320), 0.0)
    assert detector.feed(static_scene(360, 640), 0.1) == []
