"""Train the verifier on the crops of build_dataset.py and export it to ONNX.

    python -m train_verifier.train --data /work/training/verifier \
        --model ../video/detector/models/verifier.onnx

(run from `tools/`). Each epoch draws --per-epoch crops, in fixed class shares.
A fixed schedule (no epoch picked by the validation score), so that the
held-out numbers are not tuned on; validation is printed each epoch only to watch the run. It
uses at most two threads: the machine is shared.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from train_verifier.crops import CropKind
from train_verifier.model import VerifierNet, export_onnx
from video.detector.verifier import CLASSES

Array = npt.NDArray[np.generic]
# Shares of background, flame and smoke crops in each epoch: background leads because false
# alarms on sunsets and lamps are what gets a detector switched off.
CLASS_SHARE = (0.45, 0.3, 0.25)
# Negatives the detector really meets; sampled more often than plain background.
HARD_NEGATIVES = (
    CropKind.COLOUR_NEGATIVE,
    CropKind.FOOTAGE_PROPOSAL,
    CropKind.FOOTAGE_SMOKE_PROPOSAL,
)


def load(path: Path) -> dict[str, Array]:
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def to_tensor(x: Array) -> torch.Tensor:
    """NHWC uint8 BGR -> NCHW float 0..1, the layout of the run-time blob."""
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).float() / 255


def augment(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Mirror, exposure and contrast changes, and a mild white-balance shift per channel."""
    n = batch.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
    gain = 1 + (torch.rand(n, 1, 1, 1, generator=gen) - 0.5) * 0.6
    channel = 1 + (torch.rand(n, 3, 1, 1, generator=gen) - 0.5) * 0.16
    offset = (torch.rand(n, 1, 1, 1, generator=gen) - 0.5) * 0.2
    mean = batch.mean(dim=(1, 2, 3), keepdim=True)
    contrast = 1 + (torch.rand(n, 1, 1, 1, generator=gen) - 0.5) * 0.5
    batch = (batch - mean) * contrast + mean
    return (batch * gain * channel + offset).clamp(0, 1)


def sample_weights(labels: Array, kinds: Array) -> torch.Tensor:
    """Draw weights giving each class its CLASS_SHARE of every epoch.

    Within background, the colour-proposed blobs of fire-free images (sunsets, lamps) and the
    regions the detector itself proposed in fire-free footage count thrice: they are few next to
    plain background, and they are what the verifier exists to reject.
    """
    hard = np.isin(kinds, [int(k) for k in HARD_NEGATIVES])
    boost = np.where(hard, 3.0, 1.0)
    weights = np.zeros(len(labels))
    for c, share in enumerate(CLASS_SHARE):
        picked = labels == c
        weights[picked] = share * boost[picked] / max(boost[picked].sum(), 1e-9)
    return torch.tensor(weights, dtype=torch.float64)


@torch.no_grad()
def predict(net: nn.Module, x: Array, batch: int = 1024) -> Array:
    net.eval()
    out = [net(to_tensor(x[i : i + batch])).softmax(1).numpy() for i in range(0, len(x), batch)]
    return np.concatenate(out)


def confusion(labels: Array, probs: Array) -> Array:
    matrix = np.zeros((len(CLASSES), len(CLASSES)), np.int64)
    np.add.at(matrix, (labels.astype(np.int64), probs.argmax(1)), 1)
    return matrix


def summary(labels: Array, probs: Array) -> str:
    matrix = confusion(labels, probs)
    recall = matrix.diagonal() / np.maximum(matrix.sum(1), 1)
    background = labels == 0
    false_alarm = float((probs[background, 0] < 0.5).mean())
    fire = ~background
    detected = float((probs[fire, 0] < 0.5).mean())
    fire_p, bg_p = 1 - probs[fire, 0], 1 - probs[background, 0]
    auc = float((fire_p[:, None] > bg_p[None, :]).mean())
    per_class = " ".join(f"{c}={r:.3f}" for c, r in zip(CLASSES, recall, strict=True))
    fire_vs_bg = f"recall={detected:.3f} false_alarm={false_alarm:.3f} auc={auc:.3f}"
    return f"recall {per_class} fire-vs-bg: {fire_vs_bg}"


def train(args: argparse.Namespace) -> VerifierNet:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    data, val = load(args.data / "train.npz"), load(args.data / "val.npz")
    x, y = data["x"], torch.from_numpy(data["y"].astype(np.int64))
    weights = sample_weights(data["y"], data["kind"])
    print(f"train {len(x)} crops {np.bincount(data['y'])}, val {len(val['x'])} crops", flush=True)
    net = VerifierNet()
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    # The pretrained backbone moves ten times slower than the new head: a few thousand crops
    # must adjust ImageNet features, not wipe them out.
    backbone = [*net.stem.parameters(), *net.blocks.parameters()]
    lrs = [args.lr / 10, args.lr]
    groups = [{"params": backbone, "lr": lrs[0]}, {"params": net.head.parameters(), "lr": lrs[1]}]
    optimiser = torch.optim.AdamW(groups, weight_decay=1e-3)
    per_epoch = args.per_epoch // args.batch
    steps = args.epochs * per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, lrs, total_steps=steps)
    for epoch in range(args.epochs):
        started = time.monotonic()
        net.train()
        order = torch.multinomial(weights, per_epoch * args.batch, True, generator=gen)
        total = 0.0
        for i in range(per_epoch):
            index = order[i * args.batch : (i + 1) * args.batch]
            batch = augment(to_tensor(x[index.numpy()]), gen)
            loss = loss_fn(net(batch), y[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
        mean_loss = total / per_epoch
        report = summary(val["y"], predict(net, val["x"]))
        elapsed = time.monotonic() - started
        print(f"epoch {epoch + 1} loss {mean_loss:.4f} {elapsed:.0f}s val {report}", flush=True)
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/training/verifier"))
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--per-epoch", type=int, default=16384, help="crops drawn per epoch")
    parser.add_argument("--lr", type=float, default=5e-3, help="the head's peak rate")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    net = train(args)
    torch.save(net.state_dict(), args.data / "verifier.pt")
    export_onnx(net, str(args.model))
    print(f"exported {args.model}", flush=True)


if __name__ == "__main__":
    main()
