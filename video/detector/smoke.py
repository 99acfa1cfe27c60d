"""Smoke candidates: grey, slowly changing blocks that blur the background's edges.

The stage keeps its own slow background (smoke drifts, so the motion stage's faster background
would absorb it) and a background of edge energy per block. A block is a smoke candidate when
most of its pixels are unsaturated, a good part of it differs from the slow background, and its
edges did not get sharper (an object arriving adds edges; smoke veils them; over a smooth sky
there are no edges to lose, which is allowed). When candidates cover most of the view it is
fog, haze or a lens fogging up, not a fire's smoke, and nothing is proposed.

Tracks of candidate blocks become evidence only when they grow or rise, and not when they fill
a large part of the view at once: vape, exhaust and steam blown near the lens do that.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from cv2.typing import MatLike

from video.detector.motion import per_frames
from video.detector.regions import Track

YCrCbImage = MatLike
GreyImage = MatLike
Mask = MatLike
FloatImage = MatLike


_NEUTRAL = 128  # Cr and Cb of a grey pixel


@dataclass(frozen=True, slots=True)
class SmokeSettings:
    block: int = 8  # work-image pixels per block side
    max_chroma: int = 28  # |Cr - 128| + |Cb - 128| of a grey pixel
    min_change: int = 8  # grey levels from the slow background that count as changed
    grey_share: float = 0.6  # share of grey pixels a candidate block needs
    change_share: float = 0.3  # share of changed pixels a candidate block needs
    sharper: float = 1.25  # edge ratio above which something with edges arrived
    fog_share: float = 0.5  # change over this share of the view: fog, not a fire's smoke
    near_lens_share: float = 0.3  # one region this big is blown near the lens
    alpha: float = 0.02  # slow background rate per analysed frame (about 5 s at 10 fps)


@dataclass(frozen=True, slots=True)
class SmokeFrame:
    blocks: Mask  # 255 for candidate blocks on the block grid
    fog: bool  # candidates covered the view and were dropped


class SmokeStage:
    def __init__(self, settings: SmokeSettings | None = None) -> None:
        self.settings = settings or SmokeSettings()
        self._background: FloatImage | None = None
        self._edges: FloatImage | None = None
        self._neutral: YCrCbImage = np.zeros((0, 0, 3), np.uint8)  # a grey image, |.| against it
        # Masks that select everything, of the work image and of the block grid, kept so
        # the frames without candidates learn through exactly the same calls.
        self._everywhere: Mask = np.zeros((0, 0), np.uint8)
        self._every_block: Mask = np.zeros((0, 0), np.uint8)
        self._blocks: Mask = np.zeros((0, 0), np.uint8)  # the last candidates proposed

    @property
    def background(self) -> GreyImage | None:
        """The slow background as an 8-bit image (None before the first frame)."""
        if self._background is None:
            return None
        return cv2.convertScaleAbs(self._background)

    def grid_shape(self, work_shape: tuple[int, ...]) -> tuple[int, int]:
        b = self.settings.block
        return max(1, work_shape[0] // b), max(1, work_shape[1] // b)

    def learn(self, grey: GreyImage, frames: int = 1) -> None:
        """Learn from a frame no candidates are sought in, as if the last ones were still there.

        The backgrounds learn at the same pace whichever frames the detector proposes on, and
        whichever it analyses: a frame that stands for `frames` frames learns for all of them.
        """
        if self._background is None or self._background.shape != grey.shape:
            return
        rows, cols = self.grid_shape(grey.shape)
        self._learn(grey, _block_mean(_edge_energy(grey), cols, rows), self._blocks, frames)

    def update(self, ycrcb: YCrCbImage, grey: GreyImage, frames: int = 1) -> SmokeFrame:
        s = self.settings
        rows, cols = self.grid_shape(grey.shape)
        edges = _block_mean(_edge_energy(grey), cols, rows)
        if self._background is None or self._background.shape != grey.shape:
            self._background = grey.astype(np.float32)
            self._edges = edges
            self._blocks = np.zeros((rows, cols), np.uint8)
            return SmokeFrame(self._blocks, False)
        diff = cv2.absdiff(grey, cv2.convertScaleAbs(self._background))
        _, changed_px = cv2.threshold(diff, s.min_change, 255, cv2.THRESH_BINARY)
        # Fog, haze and exposure changes alter most of the view at once, grey or not.
        fog = cv2.countNonZero(changed_px) > s.fog_share * changed_px.size
        blocks: Mask = np.zeros((rows, cols), np.uint8)
        # The grey test below only removes changed pixels, so a block that does not change
        # enough counting every changed pixel is no candidate: a quiet view stops here.
        if not fog and _block_mean(changed_px, cols, rows).max() >= 255 * s.change_share:
            blocks = self._candidates(ycrcb, changed_px, edges, (rows, cols))
            fog = bool(cv2.countNonZero(blocks) > s.fog_share * blocks.size)
            if fog:
                blocks[:] = 0
        self._learn(grey, edges, blocks, frames)
        self._blocks = blocks
        return SmokeFrame(blocks, fog)

    def _candidates(
        self, ycrcb: YCrCbImage, changed_px: Mask, edges: FloatImage, grid: tuple[int, int]
    ) -> Mask:
        """255 for blocks mostly grey, changed enough and not sharper than their background."""
        assert self._edges is not None
        s = self.settings
        rows, cols = grid
        if self._neutral.shape != ycrcb.shape:
            self._neutral = np.full(ycrcb.shape, (0, _NEUTRAL, _NEUTRAL), np.uint8)
        distance = cv2.absdiff(ycrcb, self._neutral)  # |Cr - 128| and |Cb - 128| at once
        chroma = cv2.add(cv2.extractChannel(distance, 1), cv2.extractChannel(distance, 2))
        _, grey_px = cv2.threshold(chroma, s.max_chroma, 255, cv2.THRESH_BINARY_INV)
        # Only grey pixels that changed: a coloured object crossing a block is not its smoke.
        changed_px = cv2.bitwise_and(changed_px, grey_px)
        grey_share = _block_mean(grey_px, cols, rows)
        change_share = _block_mean(changed_px, cols, rows)
        ratio = (edges + 1.0) / (self._edges + 1.0)
        blocks = (
            (grey_share >= 255 * s.grey_share)
            & (change_share >= 255 * s.change_share)
            & (ratio < s.sharper)
        )
        out: Mask = blocks.astype(np.uint8) * np.uint8(255)
        return out

    def track_evidence(self, track: Track, grid_shape: tuple[int, int], min_frames: int) -> bool:
        """A smoke track counts once it has lived a while and grows or rises, not near-lens."""
        rows, cols = grid_shape
        region = track.region
        if region.w * region.h > cols * rows * self.settings.near_lens_share:
            return False
        if len(track.areas) < min_frames:
            return False
        grows = track.areas[-1] >= 1.2 * track.areas[0] + 1
        rises = track.tops[-1] <= track.tops[0] - 1
        return bool(grows or rises)

    def _learn(self, grey: GreyImage, edges: FloatImage, blocks: Mask, frames: int) -> None:
        """Update the backgrounds, half as fast under candidates.

        Slower, so a plume is not absorbed while it builds up; not frozen, so a ghost (a
        background that learned a passing object) heals instead of staying a candidate forever.
        """
        assert self._background is not None and self._edges is not None
        alpha = per_frames(self.settings.alpha, frames)
        if not cv2.countNonZero(blocks):  # most frames: everything learns at the full rate
            if self._everywhere.shape != grey.shape:
                self._everywhere = np.full(grey.shape, 255, np.uint8)
                self._every_block = np.full(blocks.shape, 255, np.uint8)
            cv2.accumulateWeighted(grey, self._background, alpha, mask=self._everywhere)
            cv2.accumulateWeighted(edges, self._edges, alpha, mask=self._every_block)
            return
        keep = cv2.resize(blocks, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_NEAREST)
        cv2.accumulateWeighted(grey, self._background, alpha, mask=cv2.bitwise_not(keep))
        slow = per_frames(self.settings.alpha / 2, frames)
        cv2.accumulateWeighted(grey, self._background, slow, mask=keep)
        cv2.accumulateWeighted(edges, self._edges, alpha, mask=cv2.bitwise_not(blocks))
        cv2.accumulateWeighted(edges, self._edges, slow, mask=blocks)


def _edge_energy(grey: GreyImage) -> GreyImage:
    gx = cv2.convertScaleAbs(cv2.Sobel(grey, cv2.CV_16S, 1, 0))
    gy = cv2.convertScaleAbs(cv2.Sobel(grey, cv2.CV_16S, 0, 1))
    out: GreyImage = cv2.addWeighted(gx, 0.5, gy, 0.5, 0)
    return out


def _block_mean(image: MatLike, cols: int, rows: int) -> FloatImage:
    """Mean of each block, as float32, by area resampling of the cropped image."""
    b_h, b_w = image.shape[0] // rows, image.shape[1] // cols
    cropped = image[: rows * b_h, : cols * b_w]
    out: FloatImage = cv2.resize(cropped, (cols, rows), interpolation=cv2.INTER_AREA).astype(
        np.float32
    )
    return out
