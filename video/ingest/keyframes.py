"""Whether a quiet camera's picture changed between two keyframes: the gate's second signal.

Packet sizes miss a small fire in a grainy picture: sensor grain already fills every P-frame
with noise, and a fire covering 3% of the view only doubles them (measured on the bench's cctv
scene with 4 grey levels of grain: P-frames of 150-200 bytes before, 300-400 after, keyframes
5% larger). What it does change is the picture, and while the gate is quiet the keyframes are
decoded anyway. So each keyframe's luma is reduced to a grid of block means (a 32x18 grid: a
fire a tenth of the view wide covers several blocks), and a block whose mean moved well beyond
its usual keyframe-to-keyframe change wakes the gate.

A block's usual change is learned, so that a burned-in clock, whose digits change every
keyframe, does not hold the gate open: from every comparison during a warm-up, and afterwards
only from comparisons that did not wake the gate, so that a fire is never learned as normal.

Pure: block means in, one decision per keyframe out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import av
import cv2
import numpy as np
import numpy.typing as npt

Blocks = npt.NDArray[np.float32]

GRID = (32, 18)  # blocks across, down


@dataclass(frozen=True, slots=True)
class KeyframePolicy:
    # A block wakes the gate when its mean moves more than `floor` grey levels and more than
    # `factor` times its usual keyframe-to-keyframe change.
    floor: float = 6.0
    factor: float = 3.0
    learn: float = 0.2
    warmup_keyframes: int = 4


def block_means(frame: av.VideoFrame) -> Blocks:
    """The mean luma of each block of `GRID`, from the frame's Y plane (no colour conversion)."""
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    luma = rows[:, : plane.width]
    return cast(Blocks, cv2.resize(luma, GRID, interpolation=cv2.INTER_AREA).astype(np.float32))


class KeyframeChange:
    """Compares each keyframe's block means with the previous keyframe's."""

    def __init__(self, policy: KeyframePolicy | None = None) -> None:
        self.policy = policy or KeyframePolicy()
        self._previous: Blocks | None = None
        self._usual: Blocks | None = None
        self._seen = 0

    def observe(self, blocks: Blocks) -> bool:
        """Feed one keyframe's block means; returns whether the picture changed."""
        previous, self._previous = self._previous, blocks
        if previous is None or previous.shape != blocks.shape:
            self._usual = None  # first keyframe, or a new resolution: nothing to compare
            self._seen = 0
            return False
        change = np.abs(blocks - previous)
        policy = self.policy
        if self._usual is None:
            self._usual = change.copy()
        self._seen += 1
        warming = self._seen <= policy.warmup_keyframes
        threshold = np.maximum(policy.floor, policy.factor * self._usual)
        changed = not warming and bool((change > threshold).any())
        if warming or not changed:
            self._usual += policy.learn * (change - self._usual)
        return changed
