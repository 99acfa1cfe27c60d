"""Small H.264 clips made on the fly with PyAV's bundled x264: a grey scene with a moving block
and, from `red_from`, a bright red patch the test analyser alarms on."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from video.analyzer import BgrImage


def scene(
    i: int, width: int, height: int, red: bool, moving: bool = True, grain: float = 0.0
) -> BgrImage:
    image = np.full((height, width, 3), 90, np.uint8)
    x = (i * 3) % (width - 20) if moving else 0
    image[height // 2 : height // 2 + 20, x : x + 20] = 200
    if red:
        image[height // 9 : height // 3, width // 8 : width // 4 + 10] = (0, 0, 230)
    if grain:
        # Sensor grain, fresh on every frame: a still scene's P-frames are no longer tiny.
        noise = np.random.default_rng(i).normal(0, grain, image.shape)
        image = np.clip(image + noise, 0, 255).astype(np.uint8)
    return image


def encode_h264(
    path: Path,
    width: int = 320,
    height: int = 180,
    fps: int = 25,
    seconds: float = 4.0,
    red_from: float | None = None,
    gop: int = 25,
    append: bool = False,
    moving: bool = True,
    grain: float = 0.0,
) -> Path:
    """Write an Annex B stream with in-band parameter sets at every keyframe, as cameras do."""
    with path.open("ab" if append else "wb") as sink, av.open(sink, "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "g": str(gop),
            "bf": "0",
            "x264-params": "repeat-headers=1",
        }
        for i in range(round(seconds * fps)):
            red = red_from is not None and i / fps >= red_from
            image = scene(i, width, height, red, moving, grain)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
