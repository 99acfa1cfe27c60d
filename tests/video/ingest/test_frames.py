"""The analyser's picture: sizes, and colours against FFmpeg's own scale-and-convert."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from tests.video.ingest.clips import scene
from video.analyzer import Alarm, BgrImage, LumaImage
from video.ingest.frames import (
    AnalyserFeed,
    AnalysisSchedule,
    DecodedPicture,
    analysis_bgr,
    analysis_luma,
    analysis_size,
)


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ((640, 360), 320, (320, 180)),
        ((1280, 720), 320, (320, 180)),
        ((1920, 1080), 320, (320, 180)),
        ((426, 240), 320, (320, 180)),
        ((320, 180), 640, (320, 180)),  # never upscaled
        ((333, 187), 320, (320, 180)),  # odd input: even output for 4:2:0
    ],
)
def test_analysis_size_keeps_aspect_never_upscales_and_is_even(
    source: tuple[int, int], target: int, expected: tuple[int, int]
) -> None:
    assert analysis_size(*source, target) == expected


def _noisy_scene(width: int, height: int) -> BgrImage:
    # A few grey levels of grain, as a camera's picture has.
    rng = np.random.default_rng(1)
    base = scene(7, width, height, red=True).astype(np.int16)
    noisy: BgrImage = np.clip(base + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
    return noisy


def _decoded_scene(width: int = 640, height: int = 360) -> av.VideoFrame:
    """The grainy scene as a decoder hands it out: planar YUV 4:2:0."""
    return av.VideoFrame.from_ndarray(_noisy_scene(width, height), format="bgr24").reformat(
        format="yuv420p"
    )


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (426, 240)])
def test_colours_match_ffmpeg_area_scaling_within_a_grey_level(size: tuple[int, int]) -> None:
    frame = _decoded_scene(*size)
    out = analysis_size(*size, 320)
    image = analysis_bgr(frame, out)
    reference = frame.to_ndarray(format="bgr24", width=out[0], height=out[1], interpolation="AREA")
    assert image.shape == (out[1], out[0], 3) and image.dtype == np.uint8
    difference = np.abs(image.astype(np.int16) - reference.astype(np.int16))
    assert difference.mean() < 1.5
    # Chroma rounding differs a little; the red patch the detector looks for stays red.
    patch = image[out[1] // 6, out[0] // 6]
    assert patch[2] > 180 and patch[0] < 60 and patch[1] < 60


def test_other_pixel_formats_go_through_ffmpeg() -> None:
    frame = av.VideoFrame.from_ndarray(_noisy_scene(640, 360), format="bgr24")
    image = analysis_bgr(frame, (320, 180))
    reference = frame.to_ndarray(format="bgr24", width=320, height=180, interpolation="AREA")
    assert np.array_equal(image, reference)


class _Observing:
    """An analyser that wants every frame's luma only when told to."""

    analysis_fps = 10.0
    analysis_width = 160

    def __init__(self) -> None:
        self.wants_luma = False
        self.observed: list[tuple[float, tuple[int, ...]]] = []
        self.fed: list[float] = []

    def observe_luma(self, luma: LumaImage, t: float) -> None:
        self.observed.append((t, luma.shape))

    def feed(self, frame_bgr: BgrImage, t: float) -> list[Alarm]:
        self.fed.append(t)
        return []


def test_the_feed_passes_every_frames_luma_only_while_it_is_wanted() -> None:
    frame = _decoded_scene()
    analyser = _Observing()
    feed = AnalyserFeed(analyser)
    size = analysis_size(640, 360, 160)
    assert feed(DecodedPicture(frame, 0.0, False, size)) is None
    analysed = feed(DecodedPicture(frame, 0.04, True, size))
    assert analysed is not None and analysed[0].shape == (90, 160, 3) and analysed[1] == []
    assert analyser.observed == [] and analyser.fed == [0.04]
    analyser.wants_luma = True
    assert feed(DecodedPicture(frame, 0.08, False, size)) is None
    feed(DecodedPicture(frame, 0.12, True, size))
    assert analyser.observed == [(0.08, (90, 160)), (0.12, (90, 160))]
    assert analyser.fed == [0.04, 0.12]
    assert feed.analyser_s > 0


def test_luma_is_the_grey_of_the_analysed_picture() -> None:
    frame = _decoded_scene()
    size = analysis_size(640, 360, 320)
    luma = analysis_luma(frame, size).astype(np.int16)
    grey = cv2.cvtColor(analysis_bgr(frame, size), cv2.COLOR_BGR2GRAY).astype(np.int16)
    # Video-range luma against the full-range grey of its BGR conversion: an affine map.
    assert np.abs((luma - 16) * 255 / 219 - grey).mean() < 2.0
    full = analysis_luma(frame, (640, 360))
    assert full.shape == (360, 640) and full.flags.owndata  # a copy, not the decoder's buffer


class _Declining(_Observing):
    """Wants only every other frame due at its rate, as the detector of an alarming camera."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[float] = []

    def wants_frame(self, t: float) -> bool:
        self.asked.append(t)
        return len(self.asked) % 2 == 0


def test_frames_the_analyser_declines_are_neither_converted_nor_fed() -> None:
    frame = _decoded_scene()
    analyser = _Declining()
    feed = AnalyserFeed(analyser)
    size = analysis_size(640, 360, 160)
    results = [feed(DecodedPicture(frame, t / 10, True, size)) for t in range(4)]
    assert [r is not None for r in results] == [False, True, False, True]
    assert analyser.fed == [0.1, 0.3] and analyser.asked == [0.0, 0.1, 0.2, 0.3]
    assert feed(DecodedPicture(frame, 0.45, False, size)) is None and len(analyser.asked) == 4


def _due_times(schedule: AnalysisSchedule, times: list[float]) -> list[float]:
    return [round(t, 2) for t in times if schedule.due(t)]


def test_the_schedule_keeps_the_analysers_mean_rate_at_any_input_rate() -> None:
    for input_fps, expected in ((25, 100), (30, 100), (12.5, 100), (7, 70)):
        times = [i / input_fps for i in range(round(10 * input_fps))]
        assert len(_due_times(AnalysisSchedule(10.0), times)) == expected


def test_after_a_gap_the_schedule_restarts_instead_of_catching_up() -> None:
    schedule = AnalysisSchedule(5.0)
    before = [i * 0.04 for i in range(25)]  # 0 .. 0.96 s at 25 fps
    after = [2.0 + i * 0.04 for i in range(25)]  # a hole of a second, then 25 fps again
    assert _due_times(schedule, before) == [0.0, 0.2, 0.4, 0.6, 0.8]
    assert _due_times(schedule, after) == [2.0, 2.2, 2.4, 2.6, 2.8]


def test_when_time_goes_back_the_schedule_starts_again() -> None:
    schedule = AnalysisSchedule(5.0)
    assert _due_times(schedule, [i * 0.04 for i in range(50)])[-1] == 1.8
    # A looped file or a camera's reset: timestamps restart near zero.
    assert _due_times(schedule, [0.0, 0.04, 0.08, 0.12, 0.16, 0.2]) == [0.0, 0.2]
