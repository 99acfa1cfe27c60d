"""The learned verifier: a small CNN that tells flame, smoke or neither in a candidate region.

Colour and motion only propose candidates; sunsets, warm lamps, red clothes and fog pass those
rules steadily. This stage looks at the appearance of each candidate region. The network is
trained by `tools/train_verifier` (PyTorch, offline) and shipped as ONNX next to this module; it
runs here with ONNX Runtime, so the hub never needs torch. See `models/verifier_report.md` for
what it was trained on and how well it does on held-out sources.

Why ONNX Runtime rather than OpenCV's `dnn` module, which runs the same file with the same
results (a test checks they agree): on one thread it scores a crop in 0.45 ms where OpenCV 5's
fastest engine takes 1.1, and its session may be run from many threads at once, so a worker
process holds one model for all its cameras instead of a network per camera (about 4 MB
each; the runtime itself costs a worker about 30 MB once).

Crops are taken the same way at training and at run time (`crop_region`): a square around the
box centre, a little larger than the box so the net sees the context, moved inside the frame
when the box touches an edge. `Verifier` objects of one model file share one session, and are
safe to use from every camera's thread.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from onnxruntime.capi.onnxruntime_pybind11_state import (
    Fail,
    InvalidArgument,
    InvalidProtobuf,
    RuntimeException,
)

from video.analyzer import BgrImage
from video.detection import Box
from video.detector.errors import DetectorError

CLASSES = ("background", "flame", "smoke")
INPUT_SIZE = 64
# The crop side is this many times the longer side of the box: context around a candidate is
# what tells a flame from an orange shirt.
CONTEXT = 1.3
# Below this many source pixels a crop holds no texture worth classifying; smaller boxes are
# widened to it.
MIN_CROP_PX = 12
# Training pictures were scaled down to at most this side, as the detector's analysed frames are.
MAX_FRAME_SIDE = 640
DEFAULT_MODEL = Path(__file__).with_name("models") / "verifier.onnx"
# What ONNX Runtime raises for a file that is no model, or a model of the wrong shape.
_RUNTIME_ERRORS = (Fail, InvalidArgument, InvalidProtobuf, RuntimeException)


class VerifierModelError(DetectorError):
    """The shipped model file is unreadable or does not have the verifier's shape (our bug)."""


@dataclass(frozen=True, slots=True)
class VerifierScore:
    """Softmax probabilities of one region; they sum to 1."""

    background: float
    flame: float
    smoke: float


def crop_region(frame_bgr: BgrImage, box: Box, size: int = INPUT_SIZE) -> BgrImage:
    """The square context crop of `box` (coordinates 0..1), resized to `size` x `size`."""
    height, width = frame_bgr.shape[:2]
    side = max(box.w * width, box.h * height) * CONTEXT
    side = min(max(side, MIN_CROP_PX), width, height)
    x0 = _place(box.x * width + box.w * width / 2 - side / 2, side, width)
    y0 = _place(box.y * height + box.h * height / 2 - side / 2, side, height)
    n = max(1, round(side))
    patch = frame_bgr[y0 : y0 + n, x0 : x0 + n]
    shrink = MAX_FRAME_SIDE / max(width, height)
    if shrink < 1:
        # The net learnt from pictures scaled to MAX_FRAME_SIDE first: a big frame (a 4K still)
        # is averaged down the same way, or its crops would alias far beyond anything it saw.
        m = max(1, round(n * shrink))
        patch = np.asarray(cv2.resize(patch, (m, m), interpolation=cv2.INTER_AREA), np.uint8)
    # INTER_LINEAR costs 15 µs where INTER_AREA costs 57; the net is trained on crops made by
    # this very function, so it has learnt whatever aliasing the shrinking leaves.
    out: BgrImage = np.asarray(
        cv2.resize(patch, (size, size), interpolation=cv2.INTER_LINEAR), dtype=np.uint8
    )
    return out


def _place(start: float, side: float, limit: int) -> int:
    """Shift a crop of length `side` so that it lies inside 0..limit."""
    return int(min(max(round(start), 0), max(limit - round(side), 0)))


def to_blob(crops: Sequence[BgrImage]) -> npt.NDArray[np.float32]:
    """Stack crops into the network's NCHW float input, scaled to 0..1, BGR order kept."""
    stack = np.stack(crops).astype(np.float32) * np.float32(1 / 255)
    blob: npt.NDArray[np.float32] = np.ascontiguousarray(stack.transpose(0, 3, 1, 2))
    return blob


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs: npt.NDArray[np.float32] = shifted / shifted.sum(axis=1, keepdims=True)
    return probs


@functools.cache
def _session(model_path: Path) -> ort.InferenceSession:
    """One session per model file and process; `run` is safe from concurrent threads."""
    options = ort.SessionOptions()
    # Each camera's detector runs on its own thread and every core already decodes cameras:
    # parallelism inside one small net would only add hand-offs.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's
    return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])


class Verifier:
    """Scores candidate regions of a frame with the shipped ONNX network."""

    def __init__(self, model_path: Path) -> None:
        try:
            self._session = _session(model_path)
        except _RUNTIME_ERRORS as exc:
            raise VerifierModelError(f"cannot load verifier model {model_path}: {exc}") from exc
        self._input = self._session.get_inputs()[0].name
        self._check_shape(model_path)

    @classmethod
    def load_default(cls) -> Verifier | None:
        """The model shipped in the package, or None when the package carries none."""
        if not DEFAULT_MODEL.is_file():
            return None
        return cls(DEFAULT_MODEL)

    def score(self, frame_bgr: BgrImage, boxes: Sequence[Box]) -> list[VerifierScore]:
        """One score per box, in order; boxes are clipped to the frame, none is dropped."""
        return self.score_crops([crop_region(frame_bgr, box) for box in boxes])

    def score_crops(self, crops: Sequence[BgrImage]) -> list[VerifierScore]:
        """Scores of crops already made by `crop_region` (INPUT_SIZE x INPUT_SIZE BGR)."""
        if not crops:
            return []
        probs = self._forward(to_blob(crops))
        return [VerifierScore(float(p[0]), float(p[1]), float(p[2])) for p in probs]

    def _forward(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        logits = np.asarray(self._session.run(None, {self._input: blob})[0], dtype=np.float32)
        return softmax(logits.reshape(blob.shape[0], len(CLASSES)))

    def _check_shape(self, model_path: Path) -> None:
        probe = np.zeros((1, 3, INPUT_SIZE, INPUT_SIZE), np.float32)
        try:
            out = np.asarray(self._session.run(None, {self._input: probe})[0])
        except _RUNTIME_ERRORS as exc:
            raise VerifierModelError(f"verifier model {model_path} does not run: {exc}") from exc
        if out.size != len(CLASSES):
            raise VerifierModelError(
                f"verifier model {model_path} gives {out.shape}, expected {len(CLASSES)} logits"
            )
