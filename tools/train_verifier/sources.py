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

`FOOTAGE_SOURCES` are fire-free clips of the scenes firegrid watches (streets, traffic, shops,
rooms, sunsets), played through the production detector by `footage.py` for hard negatives;
three whole repositories of them are held out for validation and for choosing the detector's
verifier thresholds (`thresholds.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Split = Literal["train", "val", "by_hash"]
# "yolo": boxes in a .txt beside the image; "negative": an image with nothing to find;
# "footage": a fire-free video clip, played through the detector for its proposals.
Layout = Literal["yolo", "negative", "footage"]
# Class names as the verifier knows them; "ignore" boxes are kept out of background crops only.
Label = Literal["flame", "smoke", "ignore"]


@dataclass(frozen=True, slots=True)
class ImageSet:
    """Images under `prefix` in one repository, with how to read their labels."""

    prefix: str  # a folder, or one file
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
    Source(
        "jesus-a-martinez-v/naive-day-night-classifier",
        "27e00b10b0820885f19bf6749b731ef36081d477",
        "none stated (Udacity CVND day/night exercise images, from AMOS webcams)",
        "train",
        (ImageSet("day_night_images/", "negative"),),
        "400 city webcam stills by day and by night: sodium lamps, floodlit facades, glow in fog",
    ),
)

FOOTAGE_SOURCES: tuple[Source, ...] = (
    Source(
        "sevdaimany/Computer_Vision_Projects",
        "0b1f0bc8d2f1210981c50598915e6d86674db8f2",
        "none stated",
        "train",
        (ImageSet("videos/traffic.mp4", "footage"),),
        "overhead camera of a multi-lane road by day",
    ),
    Source(
        "tmo324/lane_detecting",
        "a4b614b17199b3683200b93791dde862c40e32d3",
        "MIT",
        "train",
        (ImageSet("videos/", "footage"),),
        "dash-cam roads: night with headlights, rain on the windscreen, desert, Seattle streets",
    ),
    Source(
        "Adith25/Computer-Vision-Movement-Detector",
        "7dca77c90871eb9cd4fc4f646570266c3e0ad278",
        "none stated",
        "train",
        (ImageSet("", "footage"),),
        "shop-door CCTV with a timestamp, a runner before an orange sunset sky, a forest walk",
    ),
    Source(
        "FHU/video-background-demo",
        "58d9f77ca08d1760e72f6c4df5ee6ae88fc84336",
        "none stated",
        "train",
        (ImageSet("videos/sunset.mp4", "footage"),),
        "time-lapse sunset over mountains under a red sky",
    ),
    Source(
        "ritalveloso/HappyLife-Home",
        "c5ee31f6e8fd80e0ce6be152b4635d0a2ca4c49c",
        "none stated",
        "train",
        (ImageSet("videos/", "footage"),),
        "rendered rooms under warm lamps (kitchen, bedrooms) with a moving orange lion",
    ),
    Source(
        "b1809128/yolo-object-detection-machine-learning",
        "68483224aebfc796bc2636c4dc164b1a95626b73",
        "none stated",
        "train",
        (ImageSet("videos/traffic.mp4", "footage"),),
        "Times Square at street level: neon screens, people in red, yellow cabs",
    ),
    Source(
        "federicoparroni/IACV_background_subtractor",
        "ba35ebdfe2e59f4d38723c9292b5dea76be5b9ef",
        "MIT",
        "val",
        (ImageSet("dataset/", "footage"),),
        "four motorway webcams (tunnel mouth, forest, junctions) with overlaid text",
    ),
    Source(
        "ahsanirfan961/Person-Tracker",
        "060249cc9f3426dbbe8b3b99027b8ac8195108d6",
        "MIT",
        "val",
        (ImageSet("videos/", "footage"),),
        "fisheye office CCTV and an overhead crowd of pedestrians",
    ),
    Source(
        "Vikasbasa/ai-accident-detection",
        "162b80b703b216297fbfd0ad4c3f1744041de906",
        "none stated",
        "val",
        (ImageSet("videos/traffic.mp4", "footage"),),
        "street traffic CCTV with timestamp and burned-in lane boxes",
    ),
)
"""Fire-free clips of the scenes firegrid watches (none from evaluation-sources.txt, none equal
to a manifest clip by blob or by the difference hash of its 30th frame; checked 2026-11-30).
Looked at by eye: Nagendrakamati/Smart-CCTV `cctv.mp4` (a screen recording) and
Dining-Engineers/left-luggage-detection `res/vtest.avi` (an audio test card) were left out."""

ALL_SOURCES = SOURCES + FOOTAGE_SOURCES  # the dataset's `source` column indexes this

# Fraction of the "by_hash" images that go to validation.
BY_HASH_VAL_FRACTION = 0.25
