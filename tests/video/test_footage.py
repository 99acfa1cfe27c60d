"""The synthetic footage: decodable, the right shape, quiet when it should be, and honest."""

from __future__ import annotations

import statistics
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from video.detection import Box
from video.fire_composite import HOUSE6_FIRE_BOX, insert_fire
from video.footage import NEGATIVE_KINDS, NegativeKind, cctv_scene, negative_scene, shipped_clip

Frames = list[npt.NDArray[np.uint8]]


def decode(path: Path) -> tuple[Frames, float]:
    with av.open(str(path)) as container:
        fps = float(container.streams.video[0].average_rate or 0)
        decoded = container.decode(video=0)
        frames = [np.asarray(f.to_ndarray(format="bgr24"), np.uint8) for f in decoded]
    return frames, fps


def packet_sizes(path: Path) -> tuple[list[int], list[int]]:
    """Sizes of the keyframe packets and of the other (P-frame) packets."""
    keys: list[int] = []
    others: list[int] = []
    with av.open(str(path)) as container:
        for packet in container.demux(video=0):
            if packet.size:
                (keys if packet.is_keyframe else others).append(packet.size)
    return keys, others


def flame_coloured(image: npt.NDArray[np.uint8]) -> int:
    """Pixels a naive flame rule would accept: bright, red over green over blue."""
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    return int(np.count_nonzero((r > 180) & (r > g + 20) & (g > b + 20)))


@pytest.fixture(scope="module")
def quiet_scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("footage")
    return cctv_scene(folder / "quiet.mp4", (640, 360), 25.0, 8.0, active_fraction=0.0, seed=5)


def test_cctv_scene_has_the_size_rate_and_duration_asked(tmp_path: Path) -> None:
    path = cctv_scene(tmp_path / "scene.mp4", (480, 270), 15.0, 4.0, active_fraction=0.5)
    frames, fps = decode(path)
    assert fps == 15.0 and len(frames) == 60
    assert frames[0].shape == (270, 480, 3)


def test_quiet_cctv_scene_has_tiny_p_frames(quiet_scene: Path) -> None:
    keys, others = packet_sizes(quiet_scene)
    assert len(keys) == 4  # 8 s with a keyframe every 2 s
    assert statistics.median(keys) > 50 * statistics.median(others)


def test_activity_bursts_show_in_the_p_frames(quiet_scene: Path, tmp_path: Path) -> None:
    path = cctv_scene(tmp_path / "busy.mp4", (640, 360), 25.0, 12.0, active_fraction=0.35, seed=2)
    quiet = statistics.median(packet_sizes(quiet_scene)[1])
    keys, others = packet_sizes(path)
    moving = [size for size in others if size > 2 * quiet]
    # About a third of the P-frames carry a moving object; the rest stay as small as quiet ones.
    assert 0.2 * len(others) < len(moving) < 0.6 * len(others)
    assert statistics.median(keys) > 20 * max(moving)


def test_scenes_are_deterministic_for_a_seed(tmp_path: Path) -> None:
    first = cctv_scene(tmp_path / "a.mp4", (320, 180), 10.0, 2.0, active_fraction=1.0, seed=9)
    again = cctv_scene(tmp_path / "b.mp4", (320, 180), 10.0, 2.0, active_fraction=1.0, seed=9)
    other = cctv_scene(tmp_path / "c.mp4", (320, 180), 10.0, 2.0, active_fraction=1.0, seed=10)
    frames_a, _ = decode(first)
    frames_b, _ = decode(again)
    frames_c, _ = decode(other)
    assert all(np.array_equal(a, b) for a, b in zip(frames_a, frames_b, strict=True))
    assert not np.array_equal(frames_a[0], frames_c[0])


def test_insert_fire_changes_only_the_region_and_only_from_at_s(
    quiet_scene: Path, tmp_path: Path
) -> None:
    region = Box(0.5, 0.3, 0.2, 0.3)
    out = insert_fire(quiet_scene, shipped_clip("house6.mp4"), tmp_path / "fire.mp4", 4.0, region)
    background, _ = decode(quiet_scene)
    burning, fps = decode(out)
    assert fps == 25.0 and len(burning) == len(background) == 200
    inside = (slice(108, 216), slice(320, 448))
    before, after = 90, 190  # frames at 3.6 s and 7.6 s
    diff_before = np.abs(burning[before].astype(int) - background[before].astype(int))
    assert diff_before.mean() < 2.0
    assert flame_coloured(burning[after][inside]) > 50
    assert flame_coloured(background[after][inside]) == 0
    # Re-encoding blurs the untouched part a little; the fire changes its region a lot.
    outside = np.abs(burning[after][:, :300].astype(int) - background[after][:, :300].astype(int))
    changed = np.abs(burning[after][inside].astype(int) - background[after][inside].astype(int))
    assert outside.mean() < 4.0 < 20.0 < changed.mean()


def test_fire_box_of_the_shipped_clip_lies_inside_its_frame() -> None:
    box = HOUSE6_FIRE_BOX
    assert 0 <= box.x < box.x + box.w <= 1
    assert 0 <= box.y < box.y + box.h <= 1
    frames, fps = decode(shipped_clip("house6.mp4"))
    assert fps == pytest.approx(29.97, abs=0.01) and frames[0].shape == (240, 426, 3)


@pytest.mark.parametrize("kind", NEGATIVE_KINDS)
def test_negative_scenes_decode_and_stress_a_colour_rule(
    kind: NegativeKind, tmp_path: Path
) -> None:
    path = negative_scene(tmp_path / f"{kind}.mp4", kind, (640, 360), 25.0, 8.0, seed=1)
    frames, fps = decode(path)
    assert fps == 25.0 and len(frames) == 200 and frames[0].shape == (360, 640, 3)
    warm = [flame_coloured(f) for f in frames[::5]]
    if kind == "warm_lights":
        assert warm[0] == 0 and max(warm) > 500  # the lamps come on partway through
    elif kind == "red_walker":
        reds = [int(np.count_nonzero((f[..., 2] > 150) & (f[..., 1] < 70))) for f in frames[::5]]
        assert reds[0] == 0 and max(reds) > 200
    else:
        luma = [float(f.mean()) for f in frames[::5]]
        brightest = [int(np.count_nonzero(f.min(axis=2) > 200)) for f in frames[::5]]
        assert max(luma) < 70 and max(brightest) > 100  # a dark street swept by headlights


def test_unknown_negative_kind_and_missing_clip_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown negative kind"):
        negative_scene(tmp_path / "x.mp4", "fireworks")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        shipped_clip("no-such-clip.mp4")
