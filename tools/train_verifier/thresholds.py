"""Choose the detector's verifier thresholds once, from held-out sources, never from the manifest.

    python -m train_verifier.thresholds --data /work/training/verifier --model M.onnx

(run from `tools/`). The detector compares the verifier's probability of a track's kind (flame
for a flame track, smoke for a smoke track) with `SensitivityLevel.verifier_min`. Each level's
threshold is the one at which a fixed share of the held-out background crops would pass:
`TARGET_FALSE_POSITIVE` per level, measured on the crops the detector itself proposed in
held-out fire-free footage (the crops it will really be asked about) and, as a check, on all
held-out background crops. The background score is max(flame, smoke): a background crop was
proposed for one kind or the other and the recorder did not keep which. Printed with each
threshold: the held-out recall of flame and smoke boxes it leaves.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from train_verifier.crops import CropKind
from train_verifier.evaluate import scores_of
from video.detector.verifier import Verifier

# Share of held-out proposed background crops allowed past the verifier, per sensitivity level.
TARGET_FALSE_POSITIVE = {"low": 0.01, "medium": 0.02, "high": 0.05}


def threshold_at(scores: npt.NDArray[np.float32], rate: float) -> float:
    """The lowest threshold (two decimals) that lets at most `rate` of `scores` reach it."""
    for t in np.arange(0.05, 1.0, 0.01):
        if float((scores >= t).mean()) <= rate:
            return round(float(t), 2)
    return 0.99


def choose(model: Path, data: Path) -> dict[str, Any]:
    with np.load(data / "val.npz") as val:
        x, y, kind = val["x"], val["y"], val["kind"]
    probs = scores_of(Verifier(model), x)
    background = y == 0
    bg_score = probs[:, 1:].max(axis=1)
    proposed = background & (kind == int(CropKind.FOOTAGE_PROPOSAL))
    out: dict[str, Any] = {
        "proposed_background_crops": int(proposed.sum()),
        "background_crops": int(background.sum()),
        "flame_crops": int((y == 1).sum()),
        "smoke_crops": int((y == 2).sum()),
        "levels": {},
    }
    for level, rate in TARGET_FALSE_POSITIVE.items():
        t = threshold_at(bg_score[proposed], rate)
        out["levels"][level] = {
            "target_false_positive": rate,
            "verifier_min": t,
            "proposed_background_passed": round(float((bg_score[proposed] >= t).mean()), 4),
            "all_background_passed": round(float((bg_score[background] >= t).mean()), 4),
            "flame_recall": round(float((probs[y == 1, 1] >= t).mean()), 4),
            "smoke_recall": round(float((probs[y == 2, 2] >= t).mean()), 4),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/training/verifier"))
    parser.add_argument("--model", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(choose(args.model, args.data), indent=1))


if __name__ == "__main__":
    main()
