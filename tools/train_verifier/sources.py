"""Every source of the verifier's training and validation images: repository, commit, path, licence.

The images are never committed to firegrid: `build_dataset.py` reads them from snapshots brought
in with the search tool's `fetch` (git directories under /work/.mirror) and rebuilds the crops.
The survey behind this list is /work/shared/notes/training-data.md.

Validation holds out whole repositories (never frames of one clip on both sides): the CCTV
fire/smoke set of Abonia1, supperjoy's four-class sample and navidmulla60's Roboflow set. The
cair normal images not used for evaluation and supriya357's sunrise/sunset photographs are
independent web stills (no clip), so they are split by content hash. Footage (video) of the
repositories listed in /work/shared/datasets/evaluation-sources.txt is never read; the
still-image sets of AshotKostanyan/firedetection and navidmulla60/fire_detection_yolo are
allowed by that file's header. Images that appear in /work/shared/datasets/manifest.tsv
are excluded by content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Split = Literal["train", "val", "by_hash"]
# "yolo": boxes in a .txt beside the image; "negative": an image with nothing to find.
Layout = Literal["yolo", "negative"]
# Class names as the verifier knows them; "ignore" boxes are kept out of background crops only.
Label = Literal["flame", "smoke", "ignore"]


@dataclass(frozen=True, slots=True)
class ImageSet:
    """Images under `prefix` in one repository, with how to read their labels."""

    prefix: str
    layout: Layout
    classes: tuple[Label, ...] = ()  # YOLO class id -> label
    keep_every: int = 1  # subsample sets of consecutive video frames
    name_filter: str = ""  # only files whose name contains this


@dataclass(frozen=True, slots=True)
class Source:
    repo: str
    commit: str
    licence: str
    split: Split
    sets: tuple[ImageSet, ...]
    note: str = ""


SOURCES: tuple[Source, ...] = (
    Source(
        "AdhyaksaWP/Bombatronic",
        "01af55254f6298c8c89c171f9fd287b9a4891b6c",
        "CC BY 4.0 (Roboflow fire-dataset-for-yolov8 v10)",
        "train",
        (ImageSet("Fire-Dataset-for-YOLOv8-10/", "yolo", ("flame",)),),
        "mostly indoor fires; many video frames (all on the training side)",
    ),
    Source(
        "liuzifan/fire_smoke_datasets",
        "a868ae5235dc1c9590e91a7f5634ef875d46e6e0",
        "none stated",
        "train",
        (ImageSet("images/", "yolo", ("flame", "smoke")),),
        "web thumbnails with fire and smoke boxes",
    ),
    Source(
        "xiapinquan/fire_dataset",
        "8d4a6704f5c99381c3ff08216712fc4bde8f11e1",
        "none stated",
        "train",
        (ImageSet("images/", "yolo", ("flame",)),),
        "validation folder overlaps train: collapsed by content hash",
    ),
    Source(
        "AshotKostanyan/firedetection",
        "ad0b8a716147d8ad85530cbb2ba991424e9c7199",
        "data CC BY 4.0 (repository code AGPL)",
        "train",
        (ImageSet("data/smoke/", "yolo", ("smoke",)),),
        "HPWREN wildfire smoke stills; Roboflow augmentation copies collapsed; its video unused",
    ),
    Source(
        "worldkpax/BPLA_fire_smoke_human-in-the-forest",
        "dda0725d1b2422d8d085a69ee3a16c00ac00a9a7",
        "none stated",
        "train",
        (ImageSet("fire_dataset/no_fire/", "negative", keep_every=2),),
        "no_fire drone video frames of forest: every 2nd frame; its unboxed fire images unused",
    ),
    Source(
        "cair/Fire-Detection-Image-Dataset",
        "2e5d7e36300b9dbf7e6dbab9c97fef0462a33c1a",
        "MIT",
        "by_hash",
        (ImageSet("normal_images/", "negative"),),
        "hard negatives (sunsets, red rooms, lamps); the copies in manifest.tsv are excluded",
    ),
    Source(
        "supriya357/sunrise-sunset-classifier",
        "b4d2c788d71d36992646db56076eb7948951ad0e",
        "none stated",
        "by_hash",
        (ImageSet("dataset/", "negative"),),
        "sunrise and sunset photographs: orange skies and sun discs, the classic false alarm",
    ),
    Source(
        "Abonia1/YOLOv8-Fire-and-Smoke-Detection",
        "f2c67efae8ff249f2c3e1c34df0fd3a6351a1efb",
        "CC BY 4.0 (Roboflow fire-wrpgm v8)",
        "val",
        (ImageSet("datasets/fire-8/", "yolo", ("flame", "ignore", "smoke")),),
        "CCTV frames with fire, smoke and 'default' boxes (the latter kept out of negatives)",
    ),
    Source(
        "supperjoy/FireSmokeDataset",
        "ff0e4d414bc6286decebf0f96bb30c7a2df09428",
        "not stated",
        "val",
        (ImageSet("image/", "yolo", ("flame", "smoke")),),
        "50 each of fire, smoke, both and neither (hard negatives)",
    ),
    Source(
        "navidmulla60/fire_detection_yolo",
        "60dae811bd3d53403bd08929f085b2893ffef215",
        "CC BY 4.0 (Roboflow fire-detection-qggmx v1)",
        "val",
        (ImageSet("datasets/fire-detection-1/", "yolo", ("flame",)),),
        "still-image set only; its videos are evaluation footage and are never read",
    ),
)

# Fraction of the "by_hash" images that go to validation.
BY_HASH_VAL_FRACTION = 0.25
