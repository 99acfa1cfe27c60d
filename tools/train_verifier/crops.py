"""Which boxes of a labelled image become training crops, and of which class.

Positives are the labelled fire and smoke boxes, jittered in size and position the way the
detector's candidate boxes miss the true extent of a flame. Negatives are boxes that do not touch
any labelled box, drawn at random and, on images that hold no fire, also around the warm and
bright blobs that the colour stage would propose (sunsets, lamps, red clothes): the hard
negatives the verifier exists to reject. All crops go through the run-time `crop_region`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import cv2
import numpy as np

from video.analyzer import BgrImage
from video.detection import Box
from video.detector.verifier import CLASSES, CONTEXT, crop_region

LABEL_INDEX = {name: i for i, name in enumerate(CLASSES)}
MIN_BOX_PX = 8  # labelled boxes smaller than this (longer side) hold no usable texture


class CropKind(IntEnum):
    BOX = 0  # a jittered labelled fire or smoke box
    BACKGROUND = 1  # a box away from the labels of an image that has some
    RANDOM_NEGATIVE = 2  # a random box of an image with nothing to find
    COLOUR_NEGATIVE = 3  # a warm or bright blob of an image with nothing to find
    FOOTAGE_PROPOSAL = 4  # a region the detector proposed as flame in fire-free footage
    FOOTAGE_SMOKE_PROPOSAL = 5  # one it proposed as smoke


@dataclass(frozen=True, slots=True)
class LabelledBox:
    label: str  # "flame", "smoke" or "ignore"
    box: Box


@dataclass(frozen=True, slots=True)
class Crop:
    pixels: BgrImage
    label: int
    kind: CropKind


def jitter(rng: np.random.Generator, box: Box) -> Box:
    """A box of 0.6-1.3 times the size, aspect changed by up to 20%, centre moved by 15%."""
    scale = rng.uniform(0.6, 1.3)
    aspect = rng.uniform(0.8, 1.25)
    w, h = box.w * scale * aspect, box.h * scale / aspect
    cx = box.x + box.w / 2 + rng.uniform(-0.15, 0.15) * box.w
    cy = box.y + box.h / 2 + rng.uniform(-0.15, 0.15) * box.h
    return Box(cx - w / 2, cy - h / 2, w, h)


def _context_square(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    """The pixel rectangle crop_region reads for `box` (approximately: before clamping)."""
    side = max(box.w * width, box.h * height) * CONTEXT
    cx, cy = (box.x + box.w / 2) * width, (box.y + box.h / 2) * height
    return cx - side / 2, cy - side / 2, side, side


def _touches(box: Box, others: list[LabelledBox], width: int, height: int) -> bool:
    x, y, w, h = _context_square(box, width, height)
    for other in others:
        ox, oy = other.box.x * width, other.box.y * height
        ow, oh = other.box.w * width, other.box.h * height
        if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
            return True
    return False


def random_box(rng: np.random.Generator, width: int, height: int) -> Box:
    """A square box of 4-45% of the short side, anywhere in the image."""
    side = rng.uniform(0.04, 0.45) * min(width, height)
    w, h = side / width, side / height
    return Box(rng.uniform(0, 1 - w), rng.uniform(0, 1 - h), w, h)


def colour_boxes(image: BgrImage, limit: int) -> list[Box]:
    """Boxes of the largest warm (R > G > B, red-dominant) or very bright blobs."""
    height, width = image.shape[:2]
    scale = 160 / max(width, height)
    small = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))))
    b, g, r = (small[..., i].astype(np.int16) for i in range(3))
    warm = (r > 130) & (r >= g) & (g > b) & (r - b > 50)
    bright = small.max(axis=2) > 235
    mask = (warm | bright).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    sh, sw = mask.shape
    blobs = sorted(range(1, count), key=lambda i: -int(stats[i, cv2.CC_STAT_AREA]))
    boxes = []
    for i in blobs[:limit]:
        x, y, w, h, area = (int(v) for v in stats[i])
        if area < 6:
            break
        boxes.append(Box(x / sw, y / sh, w / sw, h / sh))
    return boxes


def crops_of_labelled(
    rng: np.random.Generator,
    image: BgrImage,
    boxes: list[LabelledBox],
    jitters: dict[str, int],
    backgrounds: int,
) -> list[Crop]:
    """Jittered crops of each usable fire/smoke box plus background crops away from all boxes."""
    height, width = image.shape[:2]
    crops: list[Crop] = []
    for labelled in boxes:
        if labelled.label == "ignore":
            continue
        if max(labelled.box.w * width, labelled.box.h * height) < MIN_BOX_PX:
            continue
        for _ in range(jitters[labelled.label]):
            pixels = crop_region(image, jitter(rng, labelled.box))
            crops.append(Crop(pixels, LABEL_INDEX[labelled.label], CropKind.BOX))
    crops += _background(rng, image, boxes, backgrounds, CropKind.BACKGROUND)
    return crops


def crops_of_negative(
    rng: np.random.Generator, image: BgrImage, randoms: int, colours: int
) -> list[Crop]:
    """Random crops and colour-proposed crops of an image with neither fire nor smoke."""
    crops = _background(rng, image, [], randoms, CropKind.RANDOM_NEGATIVE)
    for box in colour_boxes(image, colours):
        pixels = crop_region(image, jitter(rng, box))
        crops.append(Crop(pixels, LABEL_INDEX["background"], CropKind.COLOUR_NEGATIVE))
    return crops


def _background(
    rng: np.random.Generator, image: BgrImage, avoid: list[LabelledBox], count: int, kind: CropKind
) -> list[Crop]:
    height, width = image.shape[:2]
    crops: list[Crop] = []
    for _ in range(count * 10):
        if len(crops) == count:
            break
        box = random_box(rng, width, height)
        if not _touches(box, avoid, width, height):
            crops.append(Crop(crop_region(image, box), LABEL_INDEX["background"], kind))
    return crops
