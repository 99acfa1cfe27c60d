"""Keyframe picture changes, fed block means as a grainy still camera, a clock and a fire make."""

from __future__ import annotations

import av
import numpy as np

from video.ingest.keyframes import GRID, Blocks, KeyframeChange, KeyframePolicy, block_means

WARMUP = KeyframePolicy().warmup_keyframes


def still(rng: np.random.Generator) -> Blocks:
    """A still scene's block means with grain (a fraction of a grey level once averaged)."""
    base = np.linspace(40, 200, GRID[0] * GRID[1], dtype=np.float32).reshape(GRID[1], GRID[0])
    noisy: Blocks = base + rng.normal(0, 0.4, base.shape).astype(np.float32)
    return noisy


def with_clock(blocks: Blocks, second: int) -> Blocks:
    out = blocks.copy()
    out[0, :4] += 15 * (second % 2)  # the seconds digits change every keyframe
    return out


def test_a_still_grainy_scene_with_a_ticking_clock_never_changes() -> None:
    rng = np.random.default_rng(0)
    change = KeyframeChange()
    decisions = [change.observe(with_clock(still(rng), i)) for i in range(40)]
    assert not any(decisions)


def test_a_small_bright_patch_changes_it_and_is_not_learned() -> None:
    rng = np.random.default_rng(1)
    change = KeyframeChange()
    for i in range(WARMUP + 3):
        assert not change.observe(with_clock(still(rng), i))
    decisions = []
    for i in range(10):
        fire = with_clock(still(rng), i)
        # A flickering fire covering 2x3 blocks, a different brightness at every keyframe.
        fire[10:12, 20:23] += 30 + 20 * (i % 2)
        decisions.append(change.observe(fire))
    assert decisions[0] and sum(decisions) >= 5


def test_nothing_is_compared_across_a_resolution_change_or_during_warm_up() -> None:
    rng = np.random.default_rng(2)
    change = KeyframeChange()
    assert not change.observe(still(rng))
    assert not change.observe(still(rng) + 100)  # warm-up: learned, not reported
    assert not change.observe(np.zeros((9, 16), np.float32))


def test_block_means_come_from_the_luma_plane() -> None:
    image = np.zeros((360, 640, 3), np.uint8)
    image[:, 320:] = 255
    frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
    blocks = block_means(frame)
    assert blocks.shape == (GRID[1], GRID[0])
    assert blocks[:, 0].max() < 20 and blocks[:, -1].min() > 230
