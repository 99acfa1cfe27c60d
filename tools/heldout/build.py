"""Rebuild the held-out clip set: real footage from repositories that are not evaluation sources.

`clips.tsv` lists 46 clips of 35 public repositories, each by repository, commit and path,
chosen and checked by eye on 2026-12-01: 21 with flames (3 of them candles), 15 fire-free
street, traffic, shop and dashcam scenes, and 10 fire-free hard negatives (people smoking,
autumn leaves, a sunset, street lamps in rain, a burnt kitchen). None of those repositories is
in `../shared/datasets/evaluation-sources.txt` or among the verifier's sources
(`tools/train_verifier/sources.py`: its training footage, and the footage its thresholds are
chosen on; six clips of two such repositories were in the first list and were dropped), and
the candidates were compared with the
evaluation clips (blob hash, coarse frame fingerprint) to drop re-uploads. The footage is
third-party and mostly unlicensed, so it is never committed: this script rebuilds the set from
snapshots of those repositories (bring each with the tool library's `fetch`; they land as
`MIRROR/owner+name/.../HEAD` git directories) and writes a manifest that `firegrid eval` and
`tools/flicker_probe.py` read:

    python tools/heldout/build.py --mirror /work/.mirror --out /work/heldout
    firegrid eval /work/heldout/manifest.tsv --jobs 2 --json /tmp/heldout.json

`fire_free.tsv` (`--list tools/heldout/fire_free.tsv`) lists 37 more fire-free clips of 34 other
repositories, gathered on 2026-12-01 (session 14) under the same rules and checked by eye at a
quarter, half and three quarters of each: streets, motorways, rain, dusk and neon, a drone over
a car park, shops, offices, a classroom, homes, faces, gyms, a lamp. Four candidates whose
coarse frame fingerprints matched an evaluation or held-out clip (0.88 to 1.0 correlation) were
dropped. They were first gathered to set the verifier's thresholds on more fire-free footage;
that was not kept (`video/detector/models/verifier_report.md`, session 14), so no shipped choice
rests on them and they measure false alarms out of sample.

Clips with a start or end are cut there (re-encoded with libx264, timestamps kept, no audio);
the others are byte copies of the repository's file.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av

LIST = Path(__file__).with_name("clips.tsv")
EVALUATION_SOURCES = Path(__file__).resolve().parents[3] / "shared/datasets/evaluation-sources.txt"


def git_dir(mirror: Path, repository: str) -> Path:
    root = mirror / repository.replace("/", "+", 1)
    found = sorted(p.parent for p in root.rglob("HEAD") if (p.parent / "objects").is_dir())
    if not found:
        raise SystemExit(f"no snapshot of {repository} under {root}: fetch it first")
    return found[0]


def cut(source: Path, target: Path, start: float, end: float | None) -> int:
    """Re-encode `source` from `start` to `end` (s) into `target`; returns the frames written."""
    written = 0
    with av.open(str(source)) as src, av.open(str(target), "w") as out:
        stream = src.streams.video[0]
        encoder = out.add_stream("libx264", rate=stream.average_rate)
        encoder.width = stream.codec_context.width // 2 * 2
        encoder.height = stream.codec_context.height // 2 * 2
        encoder.pix_fmt = "yuv420p"
        encoder.options = {"crf": "18"}
        encoder.codec_context.time_base = Fraction(1, 1000)
        for frame in src.decode(stream):
            t = frame.time or 0.0
            if t < start:
                continue
            if end is not None and t >= end:
                break
            picture = frame.reformat(encoder.width, encoder.height, "yuv420p")
            picture.pts = round((t - start) * 1000)
            picture.time_base = Fraction(1, 1000)
            out.mux(encoder.encode(picture))
            written += 1
        out.mux(encoder.encode(None))
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True, help="where fetch put the snapshots")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--list", type=Path, default=LIST, help="the clip list (default clips.tsv)")
    args = parser.parse_args()
    forbidden = set()
    if EVALUATION_SOURCES.is_file():
        lines = EVALUATION_SOURCES.read_text().splitlines()
        forbidden = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    with args.list.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    manifest = [("file", "media", "expect", "source", "note")]
    for row in rows:
        repository = row["repository"]
        if repository in forbidden:
            raise SystemExit(f"{repository} is an evaluation source: it must not be in {args.list}")
        blob = subprocess.run(
            ["git", "--git-dir", str(git_dir(args.mirror, repository)), "show",
             f"{row['commit']}:{row['path']}"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        target = args.out / "clips" / row["clip"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if row["start_s"] or row["end_s"]:
            raw = target.with_suffix(".source" + Path(row["path"]).suffix)
            raw.write_bytes(blob)
            end = float(row["end_s"]) if row["end_s"] else None
            frames = cut(raw, target, float(row["start_s"] or 0), end)
            raw.unlink()
            print(f"{row['clip']}: cut, {frames} frames")
        else:
            target.write_bytes(blob)
            print(f"{row['clip']}: copied")
        source = f"{repository}@{row['commit']}"
        manifest.append((f"clips/{row['clip']}", "video", row["expect"], source, row["note"]))
    with (args.out / "manifest.tsv").open("w", newline="") as handle:
        csv.writer(handle, delimiter="\t", lineterminator="\n").writerows(manifest)
    print(f"{len(rows)} clips; manifest {args.out / 'manifest.tsv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
