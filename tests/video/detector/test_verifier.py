"""The learned verifier: the shipped model loads (in ONNX Runtime, and the same in OpenCV), one
session serves many threads, scores are probabilities, boxes of any shape work, and it tells a
real flame from a grey wall on the CC0 FURG clip (house6.mp4 with its boxes)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from video.analyzer import BgrImage
from video.detection import Box
from video.detector import verifier
from video.detector.verifier import (
    INPUT_SIZE,
    Verifier,
    VerifierModelError,
    VerifierScore,
    crop_region,
    softmax,
    to_blob,
)

FURG = Path("/work/shared/datasets/raw/steffensbola__furg-fire-dataset")


@pytest.fixture(scope="module")
def shipped() -> Verifier:
    loaded = Verifier.load_default()
    assert loaded is not None, "video/detector/models/verifier.onnx is missing from the package"
    return loaded


def _valid(score: VerifierScore) -> bool:
    values = (score.background, score.flame, score.smoke)
    return all(0.0 <= v <= 1.0 for v in values) and math.isclose(sum(values), 1.0, abs_tol=1e-4)


def _noise_frame(width: int = 640, height: int = 360) -> BgrImage:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_scores_are_probabilities_one_per_box_in_order(shipped: Verifier) -> None:
    frame = _noise_frame()
    boxes = [Box(0.1, 0.1, 0.2, 0.3), Box(0.5, 0.5, 0.1, 0.1), Box(0.0, 0.0, 1.0, 1.0)]
    scores = shipped.score(frame, boxes)
    assert len(scores) == 3
    assert all(_valid(s) for s in scores)
    # one box scored alone gets the same score as inside a batch
    alone = shipped.score(frame, [boxes[1]])[0]
    assert math.isclose(alone.flame, scores[1].flame, abs_tol=1e-4)


def test_opencv_dnn_reads_the_shipped_model_to_the_same_scores(shipped: Verifier) -> None:
    # The file is plain ONNX: OpenCV's own runtime gives the same answer, so the model is not
    # tied to the runtime the hub happens to use.
    crops = [crop_region(_noise_frame(), Box(0.1 * i, 0.2, 0.2, 0.3)) for i in range(4)]
    net = cv2.dnn.readNetFromONNX(str(verifier.DEFAULT_MODEL))
    net.setInput(to_blob(crops))
    by_opencv = softmax(np.asarray(net.forward(), np.float32).reshape(len(crops), -1))
    by_hub = shipped.score_crops(crops)
    for ours, theirs in zip(by_hub, by_opencv, strict=True):
        assert np.allclose((ours.background, ours.flame, ours.smoke), theirs, atol=1e-4)


def test_verifiers_of_one_model_share_a_session_usable_from_many_threads(
    shipped: Verifier,
) -> None:
    # Every camera's detector thread scores with the worker's one session at the same time.
    frames = [_noise_frame(width=320 + 16 * i, height=180) for i in range(8)]
    boxes = [Box(0.2, 0.3, 0.25, 0.2), Box(0.6, 0.1, 0.1, 0.4)]
    alone = [shipped.score(f, boxes) for f in frames]
    other = Verifier.load_default()
    assert other is not None
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda f: other.score(f, boxes), frames * 4))
    assert together == alone * 4


def test_no_boxes_no_scores(shipped: Verifier) -> None:
    assert shipped.score(_noise_frame(), []) == []
    assert shipped.score_crops([]) == []


@pytest.mark.parametrize(
    "box",
    [
        Box(0.95, 0.95, 0.2, 0.2),  # hangs over the bottom-right corner
        Box(-0.1, -0.05, 0.15, 0.1),  # starts outside the top-left
        Box(0.5, 0.5, 0.0005, 0.001),  # smaller than a pixel
        Box(0.3, 0.3, 0.0, 0.0),  # empty
        Box(0.0, 0.4, 1.0, 0.05),  # a wide strip
        Box(0.45, 0.0, 0.02, 1.0),  # a tall strip
    ],
)
def test_edge_and_tiny_boxes_give_full_crops_and_valid_scores(shipped: Verifier, box: Box) -> None:
    frame = _noise_frame()
    assert crop_region(frame, box).shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert _valid(shipped.score(frame, [box])[0])


def test_tiny_frame_is_handled(shipped: Verifier) -> None:
    frame = _noise_frame(width=20, height=10)
    assert crop_region(frame, Box(0.2, 0.2, 0.5, 0.5)).shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert _valid(shipped.score(frame, [Box(0.2, 0.2, 0.5, 0.5)])[0])


def test_crop_is_centred_on_the_box_with_context() -> None:
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[100:140, 300:340] = (0, 0, 255)  # a red 40x40 square
    crop = crop_region(frame, Box(300 / 640, 100 / 360, 40 / 640, 40 / 360))
    centre = crop[INPUT_SIZE // 2, INPUT_SIZE // 2]
    assert tuple(int(v) for v in centre) == (0, 0, 255)
    # the context margin shows black around the square
    assert tuple(int(v) for v in crop[0, 0]) == (0, 0, 0)


def test_crop_at_the_edge_moves_inside_the_frame() -> None:
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[:, 630:] = 255  # the right edge is white
    crop = crop_region(frame, Box(0.97, 0.5, 0.03, 0.05))
    # the square is shifted left to stay in the frame: the white band is its right part
    assert crop[:, -1].min() == 255
    assert crop[:, 0].max() == 0


def test_a_big_frame_is_averaged_down_not_aliased() -> None:
    # a fine checkerboard averages to flat grey once scaled to the net's frame size; sampled
    # straight from 2560 px it would alias into black and white blotches
    yy, xx = np.mgrid[0:1440, 0:2560]
    board = (((yy // 2 + xx // 2) % 2) * 255).astype(np.uint8)
    frame = np.repeat(board[:, :, None], 3, axis=2)
    crop = crop_region(frame, Box(0.0, 0.0, 1.0, 1.0))
    assert crop.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert float(crop.std()) < 20
    assert abs(float(crop.mean()) - 127.5) < 10


def _house6_labelled_frames(every: int) -> list[tuple[BgrImage, list[Box]]]:
    """Every `every`-th frame of house6.mp4 with its labelled fire boxes (426x240, 0..1)."""
    root = ET.parse(FURG / "house6.xml").getroot()
    width = int(root.findtext("frameWidth", "0"))
    height = int(root.findtext("frameHeight", "0"))
    labels: dict[int, list[Box]] = {}
    for item in root.iter("_"):
        number, annotations = item.findtext("frameNumber"), item.find("annotations")
        if number is None or annotations is None:
            continue
        boxes = []
        for entry in annotations:
            x, y, w, h = (int(v) for v in (entry.text or "").split())
            boxes.append(Box(x / width, y / height, w / width, h / height))
        labels[int(number)] = boxes
    frames = []
    capture = cv2.VideoCapture(str(FURG / "house6.mp4"))
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if index % every == 0 and labels.get(index):
                assert frame.shape[:2] == (height, width)
                frames.append((np.asarray(frame, np.uint8), labels[index]))
            index += 1
    finally:
        capture.release()
    return frames


def _grey_wall() -> BgrImage:
    wall = np.full((240, 426, 3), 128, np.uint8)
    return wall + np.random.default_rng(5).integers(0, 6, wall.shape, dtype=np.uint8)


def test_real_flame_scores_higher_for_flame_than_a_grey_wall(shipped: Verifier) -> None:
    frame, boxes = _house6_labelled_frames(every=60)[1]  # frame 60, chosen before training
    fire = boxes[0]
    flame_score = shipped.score(frame, [fire])[0]
    wall_score = shipped.score(_grey_wall(), [fire])[0]
    assert flame_score.flame > wall_score.flame
    assert wall_score.background > 0.5


def test_flames_of_house6_are_seen_in_most_frames(shipped: Verifier) -> None:
    # the small window fires of the FURG clip (boxes of 13-70 px at 426x240), one frame a
    # second: in most frames at least one labelled fire box must be called flame, and the
    # same boxes on a grey wall never
    frames = _house6_labelled_frames(every=30)
    assert len(frames) >= 25
    seen = [max(s.flame for s in shipped.score(f, boxes)) > 0.5 for f, boxes in frames]
    on_wall = [max(s.flame for s in shipped.score(_grey_wall(), b)) for _, b in frames]
    assert sum(seen) > len(frames) / 2
    assert max(on_wall) < 0.5


def test_load_default_is_none_without_a_shipped_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(verifier, "DEFAULT_MODEL", tmp_path / "absent.onnx")
    assert Verifier.load_default() is None


def test_a_broken_model_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(VerifierModelError):
        Verifier(broken)
