"""Rebuild the verifier's crop dataset from the fetched repository snapshots listed in sources.py.

    python -m train_verifier.build_dataset --mirror /work/.mirror --out /work/training/verifier

(run from `tools/`). Writes `train.npz`, `val.npz` (crops, labels, source, image, crop kind) and
`counts.json` to --out, which must lie outside the firegrid work tree: the images are never
committed. Exact copies (same git blob), near copies (same 64-bit difference hash) and
Roboflow augmentation groups (`name_jpg.rf.<hash>.jpg`) are collapsed to one image, the first
seen; validation sources are read first, so a picture found on both sides stays in validation
only. Images of the evaluation manifest are dropped wherever they turn up. Fire-free clips
(`footage` sets) give the regions the detector proposes in them (`footage.py`), each clip wholly
on one side of the split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from train_verifier.crops import Crop, LabelledBox, crops_of_labelled, crops_of_negative
from train_verifier.footage import VIDEO_EXT, crops_of_clip
from train_verifier.sources import ALL_SOURCES, BY_HASH_VAL_FRACTION, ImageSet, Source
from video.analyzer import BgrImage
from video.detection import Box
from video.detector.verifier import MAX_FRAME_SIDE

IMAGE_EXT = (".jpg", ".jpeg", ".png")
JITTERS = {"train": {"flame": 2, "smoke": 3}, "val": {"flame": 1, "smoke": 1}}
# (random, colour-proposed) crops per fire-free image: hard negatives are scarce, so training
# takes more of each picture; validation keeps one crop set per picture small and even.
NEGATIVE_CROPS = {"train": (6, 6), "val": (3, 3)}
SPLIT_ORDER = {"val": 0, "by_hash": 1, "train": 2}
# Seconds of each fire-free clip played through the detector (at its 10 analysed frames a second).
CLIP_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    blob: str
    label_blob: str | None


class Snapshot:
    """Reads files of one commit of a fetched git directory through one `git cat-file --batch`."""

    def __init__(self, git_dir: Path, commit: str) -> None:
        self.git_dir, self.commit = git_dir, commit
        listing = subprocess.run(
            ["git", f"--git-dir={git_dir}", "ls-tree", "-r", commit],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.blobs = {}
        for line in listing.splitlines():
            meta, path = line.split("\t", 1)
            self.blobs[path] = meta.split()[2]
        self._cat = subprocess.Popen(
            ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def read(self, blob: str) -> bytes | None:
        """The blob's bytes, or None when the snapshot left it out (its largest files)."""
        assert self._cat.stdin is not None and self._cat.stdout is not None
        self._cat.stdin.write(blob.encode() + b"\n")
        self._cat.stdin.flush()
        header = self._cat.stdout.readline().split()
        if len(header) != 3:
            return None
        size = int(header[2])
        data = self._cat.stdout.read(size)
        self._cat.stdout.read(1)
        return data

    def close(self) -> None:
        if self._cat.stdin is not None:
            self._cat.stdin.close()
        self._cat.wait()


def entries(snapshot: Snapshot, image_set: ImageSet) -> Iterator[Entry]:
    ext = VIDEO_EXT if image_set.layout == "footage" else IMAGE_EXT
    paths = sorted(
        p
        for p in snapshot.blobs
        if p.startswith(image_set.prefix) and p.lower().endswith(ext) and image_set.name_filter in p
    )
    for path in paths[:: image_set.keep_every]:
        label_blob = None
        if image_set.layout == "yolo":
            label_blob = snapshot.blobs.get(label_path(path))
            if label_blob is None:
                continue  # an image without its label file cannot be trusted as negative
        yield Entry(path, snapshot.blobs[path], label_blob)


def label_path(image_path: str) -> str:
    """The YOLO label file of an image: its last `images` (`image`) folder becomes `labels`."""
    parts = image_path.rsplit(".", 1)[0].split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in ("images", "image"):
            parts[i] = parts[i].replace("image", "label")
            break
    return "/".join(parts) + ".txt"


def augmentation_key(path: str) -> str:
    """`x_jpg.rf.<hash>.jpg` and `x_jpeg_jpg.rf.<hash>.jpg` both become `x`."""
    stem = path.rsplit("/", 1)[-1].split(".rf.", 1)[0].rsplit(".", 1)[0]
    return re.sub(r"(_(jpe?g|png))+$", "", stem.lower())


def dhash(image: BgrImage) -> int:
    grey = cv2.cvtColor(cv2.resize(image, (9, 8), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    bits = (grey[:, 1:] > grey[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def decode(data: bytes | None) -> BgrImage | None:
    if data is None:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    scale = MAX_FRAME_SIDE / max(image.shape[:2])
    if scale < 1:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.asarray(image, dtype=np.uint8)


def parse_yolo(text: str, classes: tuple[str, ...]) -> list[LabelledBox]:
    boxes = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 5 or not parts[0].isdigit() or int(parts[0]) >= len(classes):
            continue
        cx, cy, w, h = (float(v) for v in parts[1:])
        boxes.append(LabelledBox(classes[int(parts[0])], Box(cx - w / 2, cy - h / 2, w, h)))
    return boxes


def manifest_hashes(datasets: Path) -> tuple[set[str], set[int]]:
    """Git blob ids and difference hashes of every image of the evaluation manifest."""
    blobs, hashes = set(), set()
    for line in (datasets / "manifest.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        if fields[1] != "image":
            continue
        data = (datasets / fields[0]).read_bytes()
        blobs.add(git_blob_sha(data))
        image = decode(data)
        if image is not None:
            hashes.add(dhash(image))
    return blobs, hashes


class Builder:
    def __init__(self, mirror: Path, datasets: Path, seed: int) -> None:
        self.mirror = mirror
        self.rng = np.random.default_rng(seed)
        self.seen_blobs, self.seen_hashes = manifest_hashes(datasets)
        self.seen_keys: set[str] = set()
        self.crops: dict[str, list[tuple[Crop, int, int]]] = {"train": [], "val": []}
        self.counts: Counter[str] = Counter()
        self.images = 0

    def add_source(self, index: int, source: Source) -> None:
        owner, name = source.repo.split("/")
        git_dir = self.mirror / f"{owner}+{name}" / "repo"
        if (git_dir / ".git").is_dir():  # some snapshots come as a work tree's .git
            git_dir = git_dir / ".git"
        snapshot = Snapshot(git_dir, source.commit)
        try:
            for image_set in source.sets:
                for entry in entries(snapshot, image_set):
                    if image_set.layout == "footage":
                        self._add_clip(index, source, snapshot, entry)
                    else:
                        self._add_image(index, source, image_set, snapshot, entry)
        finally:
            snapshot.close()

    def _add_image(
        self, index: int, source: Source, image_set: ImageSet, snapshot: Snapshot, entry: Entry
    ) -> None:
        key = f"{source.repo}:{augmentation_key(entry.path)}"
        tag = source.repo
        if entry.blob in self.seen_blobs or key in self.seen_keys:
            self.counts[f"{tag}: duplicate dropped"] += 1
            return
        image = decode(snapshot.read(entry.blob))
        if image is None:
            self.counts[f"{tag}: undecodable"] += 1
            return
        fingerprint = dhash(image)
        if fingerprint in self.seen_hashes and fingerprint not in (0, 2**64 - 1):
            self.counts[f"{tag}: near duplicate dropped"] += 1
            return
        self.seen_blobs.add(entry.blob)
        self.seen_keys.add(key)
        self.seen_hashes.add(fingerprint)
        split = source.split
        if split == "by_hash":
            split = "val" if int(entry.blob[:8], 16) % 100 < BY_HASH_VAL_FRACTION * 100 else "train"
        boxes = []
        if entry.label_blob is not None:
            text = (snapshot.read(entry.label_blob) or b"").decode("utf-8", "replace")
            boxes = parse_yolo(text, image_set.classes)
        if boxes:
            crops = crops_of_labelled(self.rng, image, boxes, JITTERS[split], backgrounds=2)
        else:  # a labelled image without a box is a negative: its warm blobs are hard ones
            randoms, colours = NEGATIVE_CROPS[split]
            crops = crops_of_negative(self.rng, image, randoms, colours)
        self.images += 1
        self.counts[f"{tag}: images {split}"] += 1
        for crop in crops:
            self.crops[split].append((crop, index, self.images))
            self.counts[f"{tag}: {split} crops kind {crop.kind.name} label {crop.label}"] += 1

    def _add_clip(self, index: int, source: Source, snapshot: Snapshot, entry: Entry) -> None:
        """A fire-free clip is one picture as far as the split goes: all its crops on one side."""
        tag = source.repo
        data = snapshot.read(entry.blob)
        if data is None or entry.blob in self.seen_blobs:
            self.counts[f"{tag}: clip missing or duplicate"] += 1
            return
        self.seen_blobs.add(entry.blob)
        crops = crops_of_clip(self.rng, data, CLIP_SECONDS)
        if not crops:
            self.counts[f"{tag}: clip undecodable"] += 1
            return
        split = "val" if source.split == "val" else "train"
        self.images += 1
        self.counts[f"{tag}: clips {split}"] += 1
        for crop in crops:
            self.crops[split].append((crop, index, self.images))
            self.counts[f"{tag}: {split} crops kind {crop.kind.name} label {crop.label}"] += 1
        print(f"  {entry.path}: {len(crops)} crops", flush=True)

    def save(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for split, rows in self.crops.items():
            np.savez_compressed(
                out / f"{split}.npz",
                x=np.stack([c.pixels for c, _, _ in rows]),
                y=np.array([c.label for c, _, _ in rows], np.int64),
                kind=np.array([int(c.kind) for c, _, _ in rows], np.int64),
                source=np.array([s for _, s, _ in rows], np.int64),
                image=np.array([i for _, _, i in rows], np.int64),
            )
        (out / "counts.json").write_text(json.dumps(dict(sorted(self.counts.items())), indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--datasets", type=Path, default=Path("/work/shared/datasets"))
    parser.add_argument("--out", type=Path, default=Path("/work/training/verifier"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.out.resolve().is_relative_to(Path(__file__).resolve().parents[2]):
        parser.error("--out must lie outside the firegrid work tree: images are never committed")
    builder = Builder(args.mirror, args.datasets, args.seed)
    order = sorted(enumerate(ALL_SOURCES), key=lambda item: SPLIT_ORDER[item[1].split])
    for index, source in order:
        builder.add_source(index, source)
        print(f"{source.repo}: {builder.images} images so far", flush=True)
    builder.save(args.out)


if __name__ == "__main__":
    main()
