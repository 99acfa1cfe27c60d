"""Choose the detector's verifier thresholds once, from held-out sources, never from the manifest.

    python -m train_verifier.thresholds --data /work/training/verifier --model M.onnx

(run from `tools/`). The detector compares the verifier's probability of a track's kind (flame
for a flame track, smoke for a smoke track) with that kind's threshold in `SensitivityLevel`
(`flame_min`, `smoke_min`). Each is the lowest at which at most `TARGET_FALSE_POSITIVE` of the
regions the detector proposed *as that kind* in held-out fire-free footage would pass: the crops
it will really be asked about, kind by kind (flame proposals are headlights and lamps, smoke
proposals grey walls and haze, and the net scores them very differently). Printed with each
threshold: the held-out recall of flame and smoke boxes it leaves, and the share of all
held-out background (stills included) that would pass, as a check. The per-image check of
stills gets its own pair per level, `image_flame_min` and `image_smoke_min`, at the same rates
of held-out fire-free still images (its candidates are colour blobs and the whole picture, not
what moves).
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

STILL_KINDS = (CropKind.BACKGROUND, CropKind.RANDOM_NEGATIVE, CropKind.COLOUR_NEGATIVE)
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
    proposed = {
        "flame": background & (kind == int(CropKind.FOOTAGE_PROPOSAL)),
        "smoke": background & (kind == int(CropKind.FOOTAGE_SMOKE_PROPOSAL)),
    }
    column = {"flame": 1, "smoke": 2}
    stills = background & np.isin(kind, [int(k) for k in STILL_KINDS])
    out: dict[str, Any] = {
        "proposed_background_crops": {k: int(m.sum()) for k, m in proposed.items()},
        "background_crops": int(background.sum()),
        "flame_crops": int((y == 1).sum()),
        "smoke_crops": int((y == 2).sum()),
        "levels": {},
    }
    for level, rate in TARGET_FALSE_POSITIVE.items():
        row: dict[str, Any] = {"target_false_positive": rate}
        for name, mask in proposed.items():
            score = probs[:, column[name]]
            t = threshold_at(score[mask], rate)
            row[f"{name}_min"] = t
            row[f"{name}_proposals_passed"] = round(float((score[mask] >= t).mean()), 4)
            row[f"{name}_all_background_passed"] = round(float((score[background] >= t).mean()), 4)
            row[f"{name}_recall"] = round(float((score[y == column[name]] >= t).mean()), 4)
        # The image check judges stills (colour blobs and the whole picture), so its thresholds
        # bound what held-out fire-free stills score, kind by kind.
        for name in ("flame", "smoke"):
            score = probs[:, column[name]]
            t = threshold_at(score[stills], rate)
            row[f"image_{name}_min"] = t
            row[f"image_{name}_recall"] = round(float((score[y == column[name]] >= t).mean()), 4)
        out["levels"][level] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/training/verifier"))
    parser.add_argument("--model", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(choose(args.model, args.data), indent=1))


if __name__ == "__main__":
    main()
