"""Synthetic scenes for the detector's tests: a textured static view, flames, smoke, a car."""

from __future__ import annotations

import cv2
import numpy as np

from video.analyzer import BgrImage


def static_scene(height: int = 180, width: int = 320, seed: int = 1) -> BgrImage:
    """A muted, textured view (walls, ground, windows) with edges for smoke to veil."""
    rng = np.random.default_rng(seed)
    small = rng.integers(60, 150, size=(height // 10, width // 10, 3), dtype=np.uint8)
    scene = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
    scene = (scene * np.array([1.0, 0.95, 0.9])).astype(np.uint8)  # slightly bluish, not warm
    for x in range(0, width, 40):
        cv2.line(scene, (x, 0), (x, height), (40, 40, 40), 1)
    noise = rng.integers(-3, 4, size=scene.shape)
    out: BgrImage = np.clip(scene.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return out


def add_flame(scene: BgrImage, frame_index: int, seed: int = 7, x: int = 150, y: int = 120) -> None:
    """Draw a flickering flame: a ragged orange tongue with a yellow core, changing every frame."""
    rng = np.random.default_rng(seed * 1000 + frame_index)
    height = 30 + int(rng.integers(-8, 9)) + frame_index // 10
    width = 16 + int(rng.integers(-4, 5))
    points = [(x - width // 2, y)]
    for i in range(1, 6):
        px = x - width // 2 + i * width // 6 + int(rng.integers(-4, 5))
        py = y - height + int(rng.integers(0, height // 2)) * (i % 2)
        points.append((px, py))
    points.append((x + width // 2, y))
    cv2.fillPoly(scene, [np.array(points, np.int32)], (0, 120, 255))
    cv2.ellipse(
        scene, (x, y - height // 4), (width // 4, height // 4), 0, 0, 360, (120, 230, 255), -1
    )


def add_smoke(scene: BgrImage, frame_index: int, x: int = 160, base_y: int = 170) -> None:
    """Blend a grey plume that rises and widens over the scene, veiling what is behind it."""
    rise = min(frame_index * 2, 120)
    width = 20 + frame_index
    overlay = scene.copy()
    cv2.ellipse(
        overlay,
        (x, base_y - rise // 2),
        (width // 2, rise // 2 + 10),
        0,
        0,
        360,
        (170, 170, 170),
        -1,
    )
    blurred = cv2.GaussianBlur(overlay, (9, 9), 0)
    cv2.addWeighted(blurred, 0.75, scene, 0.25, 0, dst=scene)


def add_car(
    scene: BgrImage, frame_index: int, colour: tuple[int, int, int] = (30, 40, 200)
) -> None:
    """A rigid red box crossing the view at constant speed."""
    x = 10 + 6 * frame_index
    cv2.rectangle(scene, (x, 100), (x + 40, 125), colour, -1)
