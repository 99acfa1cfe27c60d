"""The analyser's picture: sizes, and colours against FFmpeg's own scale-and-convert."""

from __future__ import annotations

import av
import numpy as np
import pytest

from tests.video.ingest.clips import scene
from video.analyzer import BgrImage
from video.ingest.frames import analysis_bgr, analysis_size


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


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (426, 240)])
def test_colours_match_ffmpeg_area_scaling_within_a_grey_level(size: tuple[int, int]) -> None:
    frame = av.VideoFrame.from_ndarray(_noisy_scene(*size), format="bgr24").reformat(
        format="yuv420p"
    )
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
