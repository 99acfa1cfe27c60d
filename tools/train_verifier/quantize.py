"""Quantize the exported verifier to int8 and check that it decides as the float model does.

    python -m train_verifier.quantize --data /work/training/verifier --out /tmp/verifier.int8.onnx

(run from `tools/`, in the training environment: ONNX Runtime's quantizer needs the `onnx`
package, which the hub never imports). ONNX Runtime's static quantizer writes a QDQ model
(weights int8 per output channel, activations uint8), its activation ranges calibrated on
crops drawn from the training set (`train.npz`, stratified by label, fixed seed), never on
validation or evaluation footage. The model is then run next to the float one on every
validation crop (`val.npz`) and on one crop alternately for speed, and one JSON document is
printed: the agreement of their flame and smoke decisions at each sensitivity level's
thresholds, the ROC AUC of fire versus background of both, and the time per crop of both.
On a CPU with 8-bit dot products (VNNI) the int8 model is the faster one; elsewhere it may not be.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from train_verifier.evaluate import roc_auc, scores_of
from video.detector.tuning import LEVELS
from video.detector.verifier import DEFAULT_MODEL, Verifier, to_blob

Crops = npt.NDArray[np.uint8]


class _Crops(CalibrationDataReader):
    """Feeds calibration crops to the quantizer in small batches."""

    def __init__(self, input_name: str, crops: Crops, batch: int = 32) -> None:
        self._batches: Iterator[dict[str, npt.NDArray[np.float32]]] = iter(
            # Whole batches only: the histogram calibrators stack them.
            {input_name: to_blob(list(crops[i : i + batch]))}
            for i in range(0, len(crops) - batch + 1, batch)
        )

    def get_next(self) -> dict[str, npt.NDArray[np.float32]] | None:
        return next(self._batches, None)


def calibration_crops(train: Path, per_label: int, seed: int) -> Crops:
    """`per_label` training crops of each label, drawn at random."""
    data = np.load(train)
    labels = data["y"]
    rng = np.random.default_rng(seed)
    chosen = np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == label), per_label, replace=False)
            for label in np.unique(labels)
        ]
    )
    crops: Crops = data["x"][np.sort(chosen)]
    return crops


METHODS = {
    "minmax": CalibrationMethod.MinMax,
    "percentile": CalibrationMethod.Percentile,
    "entropy": CalibrationMethod.Entropy,
}


def end_layers(model: Path) -> list[str]:
    """The first convolution and the classifier: the layers most sensitive to rounding."""
    layers = [n.name for n in onnx.load(str(model)).graph.node if n.op_type in ("Conv", "Gemm")]
    return [layers[0], layers[-1]]


def quantize(model: Path, out: Path, crops: Crops, method: str, keep_ends: bool) -> None:
    input_name = onnx.load(str(model)).graph.input[0].name
    with tempfile.TemporaryDirectory(prefix="firegrid-quantize-") as folder:
        prepared = Path(folder) / "prepared.onnx"
        # Folds constants and infers shapes so that every convolution gets quantized.
        quant_pre_process(str(model), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out),
            _Crops(input_name, crops),
            calibrate_method=METHODS[method],
            nodes_to_exclude=end_layers(prepared) if keep_ends else [],
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )


def _session(model: Path) -> ort.InferenceSession:
    """A bare one-thread session: the network alone is timed, not the blob or the softmax."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def ms_per_crop(models: tuple[Path, Path], crop: Crops, passes: int = 7) -> list[float]:
    """Per-crop time of each model on one thread, passes alternating, median of `passes`."""
    sessions = [_session(m) for m in models]
    blob = {sessions[0].get_inputs()[0].name: to_blob([crop])}
    times: list[list[float]] = [[] for _ in models]
    for _ in range(passes):
        for session, spent in zip(sessions, times, strict=True):
            session.run(None, blob)
            started = time.thread_time()
            for _ in range(200):
                session.run(None, blob)
            spent.append((time.thread_time() - started) * 1000 / 200)
    return [round(float(np.median(t)), 3) for t in times]


def compare(float_model: Path, int8_model: Path, val: Path) -> dict[str, Any]:
    data = np.load(val)
    crops, labels = data["x"], data["y"]
    p_float = scores_of(Verifier(float_model), crops)
    p_int8 = scores_of(Verifier(int8_model), crops)
    fire = labels > 0
    levels = {}
    for name, level in LEVELS.items():
        agree = [
            float(np.mean((p_float[:, k] >= t) == (p_int8[:, k] >= t)))
            for k, t in ((1, level.flame_min), (2, level.smoke_min))
        ]
        levels[name] = {
            "flame_agreement": round(agree[0], 4),
            "smoke_agreement": round(agree[1], 4),
        }
    return {
        "val_crops": len(labels),
        "levels": levels,
        "argmax_agreement": round(float(np.mean(p_float.argmax(1) == p_int8.argmax(1))), 4),
        "max_abs_probability_change": round(float(np.abs(p_float - p_int8).max()), 4),
        "auc_fire_vs_background": {
            "float": roc_auc(1 - p_float[fire, 0], 1 - p_float[~fire, 0]),
            "int8": roc_auc(1 - p_int8[fire, 0], 1 - p_int8[~fire, 0]),
        },
        "ms_per_crop": dict(
            zip(("float", "int8"), ms_per_crop((float_model, int8_model), crops[0]), strict=True)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of train.npz, val.npz")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the float model")
    parser.add_argument("--out", type=Path, required=True, help="where the int8 model goes")
    parser.add_argument("--per-label", type=int, default=200, help="calibration crops a label")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--method", choices=sorted(METHODS), default="minmax")
    parser.add_argument("--keep-ends", action="store_true", help="first conv, classifier in float")
    args = parser.parse_args()
    crops = calibration_crops(args.data / "train.npz", args.per_label, args.seed)
    quantize(args.model, args.out, crops, args.method, args.keep_ends)
    print(json.dumps(compare(args.model, args.out, args.data / "val.npz"), indent=2))


if __name__ == "__main__":
    main()
