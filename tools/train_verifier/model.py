"""The verifier network: a tiny CNN sized so that cv2.dnn scores a crop in about 0.15 ms.

Only operations that OpenCV's ONNX importer runs well are used (Conv, BatchNorm, ReLU,
GlobalAveragePool, Gemm). Strided convolutions instead of pooling keep it near 1.3 M
multiply-adds per crop: a first 64x64 design with stride-1 blocks cost 1.3 ms per crop in cv2.dnn
on one thread, far over the detector's budget. Widths 12-24-48-96 cost the same as 8-16-32-64
for a batch of four crops in cv2.dnn (0.37 vs 0.34 ms) and learnt better. The input size comes
from the runtime module so that training crops and run-time crops cannot drift apart.
"""

from __future__ import annotations

import torch
from torch import nn

from video.detector.verifier import CLASSES, INPUT_SIZE


def _conv(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
    return [
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]


class VerifierNet(nn.Module):
    """Four stride-2 conv layers (48 -> 3 px), average pooling, a linear head."""

    def __init__(self, widths: tuple[int, int, int, int] = (12, 24, 48, 96)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for width in widths:
            layers += _conv(c_in, width, stride=2)
            c_in = width
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(c_in, len(CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.pool(self.features(x)), 1)
        logits: torch.Tensor = self.head(self.dropout(x))
        return logits


def export_onnx(net: VerifierNet, path: str) -> None:
    """Write logits for a dynamic batch of 3xSxS crops (BGR, 0..1); softmax is done at run time."""
    net.eval()
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    torch.onnx.export(
        net,
        (dummy,),
        path,
        input_names=["crops"],
        output_names=["logits"],
        dynamic_axes={"crops": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=13,
        dynamo=False,
    )
