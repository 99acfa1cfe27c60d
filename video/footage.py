"""firegrid's own synthetic test footage: quiet CCTV scenes and hard negatives.

We may ship only three real clips, so everything else a test or demo plays is generated here,
deterministically from a seed, as H.264 (libx264, yuv420p, baseline, a keyframe every 2 s), the
way a cheap IP camera encodes; `video.fire_composite` grows a real fire into these scenes. The
scenes are built to behave like real CCTV for the parts of firegrid that care: a still textured
background with a burned-in clock, so that while nothing moves the P-frames are tiny and the
detector's motion gate stays shut; short bursts of activity; and negatives that stress a flame
colour rule honestly (warm lights, red clothes, headlights).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal

import av
import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Colour = tuple[int, int, int]
ActorKind = Literal["person", "car"]
NegativeKind = Literal["warm_lights", "red_walker", "headlights"]
NEGATIVE_KINDS: tuple[NegativeKind, ...] = ("warm_lights", "red_walker", "headlights")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CLIP_DIRS = (
    REPO_ROOT / "firegrid" / "demo" / "clips",
    REPO_ROOT.parent / "shared" / "datasets" / "raw" / "steffensbola__furg-fire-dataset",
)
KEYFRAME_INTERVAL_S = 2.0


def shipped_clip(name: str) -> Path:
    """A real clip we ship: in the package's demo folder, else in the shared dataset folder."""
    for folder in SHIPPED_CLIP_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"clip {name!r} is in none of {[str(d) for d in SHIPPED_CLIP_DIRS]}")


class H264Writer:
    """Encode frames as a camera would: H.264 baseline, constant rate, keyframe every 2 s.

    Writes an MP4 or, for a `.264`/`.h264` path, a raw Annex-B elementary stream.
    """

    def __init__(self, path: Path, size: tuple[int, int], fps: float) -> None:
        raw = path.suffix.lower() in (".264", ".h264")
        self._container = av.open(str(path), "w", format="h264" if raw else None)
        self._rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=self._rate)
        self.size = size
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        gop = max(1, round(KEYFRAME_INTERVAL_S * fps))
        self._stream.options = {
            "profile": "baseline",
            "preset": "veryfast",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0",
        }
        self._index = 0

    def write(self, frame: av.VideoFrame) -> None:
        if (frame.width, frame.height) != self.size or frame.format.name != "yuv420p":
            frame = frame.reformat(width=self.size[0], height=self.size[1], format="yuv420p")
        frame.pts = self._index
        frame.time_base = 1 / self._rate
        self._index += 1
        self._container.mux(self._stream.encode(frame))

    def write_bgr(self, image: Image) -> None:
        self.write(av.VideoFrame.from_ndarray(image, format="bgr24"))

    def close(self) -> None:
        self._container.mux(self._stream.encode(None))
        self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _glow(
    shape: tuple[int, int], centre: tuple[float, float], radius: float
) -> npt.NDArray[np.float32]:
    """A round light falling off like a Gaussian: 1 at `centre`, ~0 beyond 2 `radius`."""
    ys, xs = np.ogrid[: shape[0], : shape[1]]
    d2 = (xs - centre[0]) ** 2 + (ys - centre[1]) ** 2
    return np.exp(-d2 / (2 * radius**2)).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Actor:
    """Something crossing the view from `start` for `duration` seconds, edge to edge."""

    kind: ActorKind
    start: float
    duration: float
    colour: Colour
    rightward: bool
    lit: bool = False  # headlights on (cars at night)


@dataclass
class Scene:
    """A fixed camera over a street: a still background, actors, lights and a burned-in clock."""

    size: tuple[int, int]
    seed: int = 0
    dusk: bool = False
    night: bool = False
    actors: list[Actor] = field(default_factory=list)
    lights_on_at: float | None = None
    # Extra sensor noise, the standard deviation in grey levels of fresh Gaussian grain on every
    # frame. Real sensors have 1-3 levels even in daylight, which keeps a still scene's
    # P-frames at hundreds of bytes rather than tens; 0 keeps only the faint +-1 dither.
    noise: float = 0.0

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        width, height = self.size
        self._background = _street(
            self.size, rng, dim=0.2 if self.night else 0.5 if self.dusk else 1.0
        )
        self._warm = _warm_lights(self.size, rng)
        # Sensor noise of +-1 grey level: real, and small enough for P-frames to stay tiny.
        self._noise = [rng.integers(0, 2, (height, width, 3), dtype=np.uint8) for _ in range(5)]
        self._clock = start_time(self.seed)

    def frame(self, t: float) -> Image:
        image = self._background.copy()
        if self.lights_on_at is not None and t >= self.lights_on_at:
            since = t - self.lights_on_at
            # Sodium lamps flicker while they warm up, then settle at full strength.
            level = min(1.0, 0.3 + since / 4) * (1 - 0.3 * (since < 2) * abs(np.sin(23 * t)))
            cv2.scaleAdd(self._warm, level, image, dst=image)
        for actor in self.actors:
            progress = (t - actor.start) / actor.duration
            if 0 <= progress <= 1:
                _draw_actor(image, actor, progress, t)
        # A different noise pair on each frame (float hashes are stable across runs).
        pick = hash(round(t, 4))
        cv2.add(image, self._noise[pick % 5], dst=image)
        cv2.subtract(image, self._noise[pick // 5 % 5], dst=image)
        if self.noise > 0:
            image = self._grain(image, t)
        stamp = (self._clock + dt.timedelta(seconds=int(t))).strftime("%Y-%m-%d %H:%M:%S")
        _text(image, stamp, (8, 22))
        _text(image, f"CAM {self.seed % 90 + 1:02d}", (self.size[0] - 80, self.size[1] - 10))
        return image

    def _grain(self, image: Image, t: float) -> Image:
        # Seeded by the frame's time, so a scene renders the same on every run.
        rng = np.random.default_rng((self.seed, round(t * 1000)))
        grain = rng.standard_normal(image.shape, dtype=np.float32) * self.noise
        return np.clip(image + grain, 0, 255).astype(np.uint8)


def _text(image: Image, text: str, origin: tuple[int, int]) -> None:
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(image, text, origin, font, 0.6, (0, 0, 0), 4, cv2.LINE_AA)
    cv2.putText(image, text, origin, font, 0.6, (235, 235, 235), 2, cv2.LINE_AA)


def _street(size: tuple[int, int], rng: np.random.Generator, dim: float) -> Image:
    """Sky, a row of buildings with windows, a pavement and a two-lane road, with texture."""
    width, height = size
    image = np.zeros((height, width, 3), np.float32)
    sky = np.linspace(0, 1, int(0.35 * height))[:, None, None]
    image[: len(sky)] = (235, 205, 170) * (1 - sky) + (200, 190, 180) * sky
    x = 0
    while x < width:
        w = int(rng.integers(width // 10, width // 4))
        top = int(rng.integers(int(0.08 * height), int(0.3 * height)))
        base = rng.integers(90, 190, size=3).astype(np.float32)
        image[top : int(0.58 * height), x : x + w] = base
        for wy in range(top + 10, int(0.5 * height), 22):
            for wx in range(x + 8, x + w - 14, 20):
                image[wy : wy + 12, wx : wx + 9] = base * 0.45
        x += w + int(rng.integers(0, 6))
    image[int(0.58 * height) : int(0.64 * height)] = (150, 155, 160)  # pavement
    image[int(0.64 * height) : int(0.94 * height)] = (78, 80, 82)  # road
    for lx in range(0, width, 60):
        image[int(0.785 * height) : int(0.795 * height), lx : lx + 30] = (220, 220, 220)
    image[int(0.94 * height) :] = (120, 125, 120)  # near kerb and verge
    image += rng.normal(0, 6, image.shape).astype(np.float32)
    image = cv2.GaussianBlur(image, (3, 3), 0) * dim
    if dim < 1:
        image += (25, 8, 0)  # blue cast of dusk and night
    return np.clip(image, 0, 255).astype(np.uint8)


def _warm_lights(size: tuple[int, int], rng: np.random.Generator) -> Image:
    """Orange sodium street lamps along the pavement and a few warmly lit windows."""
    width, height = size
    light = np.zeros((height, width), np.float32)
    for lx in np.arange(width / 8, width, width / 4):
        light += _glow((height, width), (lx, 0.42 * height), height / 22) * 1.6
    for _ in range(6):
        cx, cy = rng.uniform(0, width), rng.uniform(0.2 * height, 0.5 * height)
        light += _glow((height, width), (cx, cy), height / 40)
    layer = np.clip(light, 0, 1)[..., None] * np.array((40, 150, 255), np.float32)
    return layer.astype(np.uint8)


def _draw_actor(image: Image, actor: Actor, progress: float, t: float) -> None:
    height, width = image.shape[:2]
    body = int(0.24 * width) if actor.kind == "car" else int(0.04 * width)
    travel = progress if actor.rightward else 1 - progress
    x = int(-body + travel * (width + body))
    if actor.kind == "person":
        _draw_person(image, x, int(0.62 * height), int(0.2 * height), actor.colour, t)
    else:
        _draw_car(image, x, int(0.86 * height), body, actor)


def _draw_person(image: Image, x: int, feet: int, tall: int, colour: Colour, t: float) -> None:
    head = tall // 8
    stride = int(np.sin(9 * t) * tall / 8)
    cv2.line(image, (x, feet - tall // 2), (x - stride, feet), (40, 40, 50), max(2, tall // 14))
    cv2.line(image, (x, feet - tall // 2), (x + stride, feet), (40, 40, 50), max(2, tall // 14))
    cv2.ellipse(image, (x, feet - tall * 5 // 8), (tall // 7, tall // 4), 0, 0, 360, colour, -1)
    cv2.circle(image, (x, feet - tall + head), head, (120, 150, 190), -1)


def _draw_car(image: Image, x: int, ground: int, length: int, actor: Actor) -> None:
    tall = length // 3
    cabin = ((x + length // 5, ground - tall * 3 // 2), (x + length * 7 // 10, ground - tall))
    cv2.rectangle(image, (x, ground - tall), (x + length, ground - tall // 5), actor.colour, -1)
    cv2.rectangle(image, *cabin, actor.colour, -1)
    for wx in (x + length // 5, x + length * 4 // 5):
        cv2.circle(image, (wx, ground - tall // 5), tall // 4, (20, 20, 20), -1)
    if actor.lit:
        front = x + length if actor.rightward else x
        ahead = front + (length // 3 if actor.rightward else -length // 3)
        _add_sprite(image, _beam(length // 5), (ahead, ground - tall // 2))
        cv2.circle(image, (front, ground - tall * 2 // 3), max(3, tall // 6), (235, 250, 255), -1)


@functools.cache
def _beam(radius: int) -> Image:
    """The glow a headlight throws on the road ahead, warm white, as a small sprite."""
    glow = _glow((6 * radius, 6 * radius), (3 * radius, 3 * radius), radius)
    return (glow[..., None] * np.array((190, 235, 255), np.float32)).astype(np.uint8)


def _add_sprite(image: Image, sprite: Image, centre: tuple[int, int]) -> None:
    """Add `sprite` centred at `centre`, clipped to the image (light adds, it never covers)."""
    height, width = image.shape[:2]
    top, left = centre[1] - sprite.shape[0] // 2, centre[0] - sprite.shape[1] // 2
    y0, y1 = max(top, 0), min(top + sprite.shape[0], height)
    x0, x1 = max(left, 0), min(left + sprite.shape[1], width)
    if y0 < y1 and x0 < x1:
        roi = image[y0:y1, x0:x1]
        cv2.add(roi, sprite[y0 - top : y1 - top, x0 - left : x1 - left], dst=roi)


def _render(scene: Scene, path: Path, fps: float, seconds: float) -> Path:
    with H264Writer(path, scene.size, fps) as writer:
        for index in range(round(seconds * fps)):
            writer.write_bgr(scene.frame(index / fps))
    return path


def _bursts(seconds: float, active_fraction: float, rng: np.random.Generator) -> list[float]:
    """Start times of about 4 s activity bursts covering `active_fraction` of the clip."""
    active = seconds * min(max(active_fraction, 0.0), 1.0)
    count = round(active / 4.0) if active >= 1.0 else 0
    if count == 0:
        return []
    slot = seconds / count
    burst = active / count
    return [i * slot + float(rng.uniform(0, max(slot - burst, 0.0))) for i in range(count)]


def cctv_scene(
    path: Path,
    size: tuple[int, int] = (640, 360),
    fps: float = 25.0,
    seconds: float = 20.0,
    active_fraction: float = 0.2,
    seed: int = 0,
    noise: float = 0.0,
) -> Path:
    """A still street CCTV view where a walker or a car passes during `active_fraction` of it,
    with `noise` grey levels of sensor grain (see `Scene.noise`)."""
    rng = np.random.default_rng(seed)
    scene = Scene(size, seed=seed, noise=noise)
    starts = _bursts(seconds, active_fraction, rng)
    burst = seconds * active_fraction / max(len(starts), 1)
    for start in starts:
        kind: ActorKind = "car" if rng.random() < 0.4 else "person"
        red, green, blue = (int(c) for c in rng.integers(40, 200, size=3))
        colour = (blue, green, red)
        scene.actors.append(Actor(kind, start, burst, colour, rightward=bool(rng.random() < 0.5)))
    return _render(scene, path, fps, seconds)


def negative_scene(
    path: Path,
    kind: NegativeKind,
    size: tuple[int, int] = (640, 360),
    fps: float = 25.0,
    seconds: float = 20.0,
    seed: int = 0,
) -> Path:
    """A scene with no fire that a naive flame colour rule would flag.

    - `warm_lights`: dusk; orange sodium lamps and lit windows switch on and flicker warming up.
    - `red_walker`: people in red clothing walk across, back and forth.
    - `headlights`: night; cars with yellow-white headlights sweep across the road.
    """
    rng = np.random.default_rng(seed)
    if kind == "warm_lights":
        scene = Scene(size, seed=seed, dusk=True)
        scene.lights_on_at = seconds * float(rng.uniform(0.25, 0.4))
    elif kind == "red_walker":
        scene = Scene(size, seed=seed)
        for i, start in enumerate(np.arange(0.5, seconds, 5.0)):
            red = (
                int(rng.integers(10, 50)),
                int(rng.integers(10, 50)),
                int(rng.integers(170, 230)),
            )
            scene.actors.append(Actor("person", float(start), 4.5, red, i % 2 == 0))
    elif kind == "headlights":
        scene = Scene(size, seed=seed, night=True)
        for i, start in enumerate(np.arange(1.0, seconds, 6.0)):
            scene.actors.append(Actor("car", float(start), 3.0, (60, 60, 60), i % 2 == 0, lit=True))
    else:
        raise ValueError(f"unknown negative kind {kind!r}; one of {NEGATIVE_KINDS}")
    return _render(scene, path, fps, seconds)


def start_time(seed: int) -> dt.datetime:
    """The wall clock burned into a scene's first frame (a fixed afternoon, shifted by seed)."""
    return dt.datetime(2026, 11, 30, 14, 3, 0) + dt.timedelta(minutes=7 * seed)
