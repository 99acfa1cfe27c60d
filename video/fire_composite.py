"""Real fire composited into firegrid's generated footage: a small fire starting in a quiet scene.

The bundled CC0 house6 clip (FURG fire dataset) is the only real fire we may ship; its burning
part is cropped, feathered at the edges and grown into a region of a generated scene from a
given moment, so that tests and benchmarks can time an alarm on a fire that starts small in a
scene that was quiet until then.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from video.detection import Box
from video.footage import H264Writer, Image

# Where and when the flames are in the shipped CC0 clip house6.mp4 (FURG fire dataset, 426x240,
# a burning doll's house): the upper floor, whose windows burn and where flames climb out of the
# middle window in the second half of the clip (from the dataset's annotated fire boxes).
HOUSE6_FIRE_BOX = Box(x=128 / 426, y=35 / 240, w=116 / 426, h=90 / 240)
HOUSE6_FIRE_SPAN_S = (14.0, 29.5)


def _bgr(frame: av.VideoFrame) -> Image:
    return np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)


def _resized(image: Image, size: tuple[int, int]) -> Image:
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


def _fire_crops(
    fire_clip: Path, fire_box: Box, size: tuple[int, int], span_s: tuple[float, float]
) -> tuple[list[Image], float]:
    """The `span_s` part of the fire clip cropped to `fire_box`, resized to `size`; its fps."""
    crops: list[Image] = []
    with av.open(str(fire_clip)) as container:
        fps = float(container.streams.video[0].average_rate or 25)
        for frame in container.decode(video=0):
            if frame.time is None or frame.time < span_s[0]:
                continue
            if frame.time > span_s[1]:
                break
            image = _bgr(frame)
            height, width = image.shape[:2]
            x0, y0 = round(fire_box.x * width), round(fire_box.y * height)
            x1, y1 = x0 + round(fire_box.w * width), y0 + round(fire_box.h * height)
            crops.append(_resized(image[y0:y1, x0:x1], size))
    if not crops:
        raise ValueError(f"{fire_clip} has no video frames")
    return crops, fps


def _feathered_mask(size: tuple[int, int]) -> npt.NDArray[np.float32]:
    width, height = size
    mask = np.zeros((height, width), np.float32)
    cv2.ellipse(
        mask, (width // 2, height // 2), (width * 2 // 5, height * 2 // 5), 0, 0, 360, 1.0, -1
    )
    blurred = cv2.GaussianBlur(mask, (0, 0), max(width, height) / 12)
    return np.asarray(blurred, np.float32)[..., None]


def insert_fire(
    background_clip: Path,
    fire_clip: Path,
    out: Path,
    at_s: float,
    region: Box,
    *,
    fire_box: Box = HOUSE6_FIRE_BOX,
    fire_span_s: tuple[float, float] = HOUSE6_FIRE_SPAN_S,
    grow_s: float = 3.0,
) -> Path:
    """Composite real fire (the `fire_box` part of `fire_clip`) into `region` of a quiet scene.

    Nothing changes before `at_s`; from then on the fire grows from a third of `region` (held
    at its bottom edge, as a fire starts low) to all of it over `grow_s`, looping the
    `fire_span_s` part of the fire footage. The output has the background's size and frame rate.
    """
    with av.open(str(background_clip)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        width, height = stream.codec_context.width, stream.codec_context.height
        rx, ry = round(region.x * width), round(region.y * height)
        full = (max(2, round(region.w * width)), max(2, round(region.h * height)))
        crops, fire_fps = _fire_crops(fire_clip, fire_box, full, fire_span_s)
        mask = _feathered_mask(full)
        with H264Writer(out, (width, height), fps) as writer:
            for index, frame in enumerate(container.decode(stream)):
                t = index / fps
                if t < at_s:
                    writer.write(frame)
                    continue
                image = _bgr(frame)
                scale = min(1.0, 1 / 3 + (2 / 3) * (t - at_s) / grow_s) if grow_s > 0 else 1.0
                fw, fh = max(2, round(full[0] * scale)), max(2, round(full[1] * scale))
                fire = _resized(crops[int((t - at_s) * fire_fps) % len(crops)], (fw, fh))
                alpha = cv2.resize(mask, (fw, fh))[..., None]
                x0, y0 = rx + (full[0] - fw) // 2, ry + full[1] - fh
                patch = image[y0 : y0 + fh, x0 : x0 + fw].astype(np.float32)
                blended = patch * (1 - alpha) + fire.astype(np.float32) * alpha
                image[y0 : y0 + fh, x0 : x0 + fw] = blended.astype(np.uint8)
                writer.write_bgr(image)
    return out
