"""`firegrid eval MANIFEST`: the production detector measured on labelled real footage.

Every video of the manifest is played through the detector built exactly as the hub builds it
(default settings, the shipped verifier), faster than real time but timed by the clip's own
timestamps; images go through the separate per-image check. The output is one JSON document:
per-clip rows, the clip summary the targets are stated in, and the image check on its own.
`--disable STAGE` switches stages off to measure what each one earns.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import cv2

from firegrid.errors import FiregridError
from video.detector import STAGES
from video.detector.evaluation import (
    ClipResult,
    Entry,
    ImageResult,
    evaluate_clip,
    evaluate_image,
)
from video.detector.report import write_report
from video.detector.verify_hook import load_default_verifier

SCHEMA_VERSION = 1
R = TypeVar("R")


class ManifestError(FiregridError):
    """The manifest is missing, or lacks the columns `file`, `media` and `expect`."""


def read_manifest(path: Path) -> list[Entry]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as err:
        raise ManifestError(f"cannot read {path}: {err}") from err
    if rows and not {"file", "media", "expect"} <= set(rows[0]):
        raise ManifestError(f"{path}: needs the columns file, media and expect")
    entries = []
    for row in rows:
        if row["expect"] not in ("alarm", "no_alarm"):
            raise ManifestError(f"{path}: {row['file']}: expect must be alarm or no_alarm")
        entries.append(
            Entry(
                path=path.parent / row["file"],
                file=row["file"],
                media=row["media"],
                expect=row["expect"],
                category=row.get("category") or row["expect"],
            )
        )
    return entries


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def clip_summary(clips: Sequence[ClipResult]) -> dict[str, Any]:
    positives = [c for c in clips if c.expect == "alarm"]
    negatives = [c for c in clips if c.expect == "no_alarm"]
    times = [c.time_to_alarm_s for c in positives if c.time_to_alarm_s is not None]
    negative_hours = sum(c.duration_s for c in negatives) / 3600
    correct = sum(1 for c in clips if c.alarmed == (c.expect == "alarm"))
    frames = sum(c.frames for c in clips)
    seconds = sum(c.seconds for c in clips)
    detect_seconds = sum(c.detect_seconds for c in clips)
    return {
        "clips": len(clips),
        "errors": sum(1 for c in clips if c.error),
        "recall": _rate(sum(1 for c in positives if c.alarmed), len(positives)),
        "false_alarm_rate": _rate(sum(1 for c in negatives if c.alarmed), len(negatives)),
        "accuracy": _rate(correct, len(clips)),
        # Over the alarm clips that alarmed; a missed clip counts in recall, not here.
        "median_time_to_alarm_s": round(statistics.median(times), 2) if times else None,
        "max_time_to_alarm_s": round(max(times), 2) if times else None,
        "false_alarms_per_hour": (
            round(sum(len(c.alarms) for c in negatives) / negative_hours, 2)
            if negative_hours
            else None
        ),
        "frames_per_second": round(frames / seconds, 1) if seconds else None,
        "detector_ms_per_frame": round(1000 * detect_seconds / frames, 3) if frames else None,
    }


def image_summary(images: Sequence[ImageResult]) -> dict[str, Any]:
    positives = [i for i in images if i.expect == "alarm"]
    negatives = [i for i in images if i.expect == "no_alarm"]
    correct = sum(1 for i in images if i.alarmed == (i.expect == "alarm"))
    return {
        "images": len(images),
        "recall": _rate(sum(1 for i in positives if i.alarmed), len(positives)),
        "false_alarm_rate": _rate(sum(1 for i in negatives if i.alarmed), len(negatives)),
        "accuracy": _rate(correct, len(images)),
    }


def clip_row(clip: ClipResult) -> dict[str, Any]:
    return {
        "file": clip.file,
        "category": clip.category,
        "expect": clip.expect,
        "alarmed": clip.alarmed,
        "time_to_alarm_s": clip.time_to_alarm_s,
        "alarms": len(clip.alarms),
        "first_alarm": (
            {"kind": clip.alarms[0].kind, "evidence": list(clip.alarms[0].evidence)}
            if clip.alarms
            else None
        ),
        "frames": clip.frames,
        "error": clip.error,
    }


def _image_row(image: ImageResult) -> dict[str, Any]:
    return {
        "file": image.file,
        "category": image.category,
        "expect": image.expect,
        "alarmed": image.alarmed,
        "kind": image.kind,
        "confidence": round(image.confidence, 4),
        "error": image.error,
    }


def _init_worker() -> None:
    cv2.setNumThreads(1)  # each worker is one camera's worth of CPU, as in the hub


def _clip_task(task: tuple[Entry, tuple[str, ...]]) -> ClipResult:
    return evaluate_clip(*task)


def _image_task(task: tuple[Entry, tuple[str, ...]]) -> ImageResult:
    return evaluate_image(*task)


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = round(width * done / total) if total else width
    bar = "#" * filled + "." * (width - filled)
    print(f"\r[{bar}] {done}/{total} {label[-50:]:<50}", end="", file=sys.stderr, flush=True)


def _run(
    func: Callable[[tuple[Entry, tuple[str, ...]]], R],
    tasks: list[tuple[Entry, tuple[str, ...]]],
    jobs: int,
    label: Callable[[R], str],
) -> Iterator[R]:
    results: Iterable[R]
    if jobs <= 1:
        _init_worker()
        results = map(func, tasks)
        yield from _with_progress(results, len(tasks), label)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_init_worker) as pool:
        yield from _with_progress(pool.imap_unordered(func, tasks), len(tasks), label)


def _with_progress(results: Iterable[R], total: int, label: Callable[[R], str]) -> Iterator[R]:
    _progress(0, total, "")
    for done, result in enumerate(results, 1):
        _progress(done, total, label(result))
        yield result
    print(file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="firegrid eval", description=__doc__.split("\n")[0])
    parser.add_argument("manifest", type=Path, help="TSV with columns file, media, expect")
    parser.add_argument("--json", type=Path, help="write the full result document here")
    parser.add_argument("--report", type=Path, help="write an HTML report into this folder")
    parser.add_argument(
        "--disable", nargs="+", default=[], choices=STAGES, metavar="STAGE",
        help=f"switch stages off: {', '.join(STAGES)}",
    )  # fmt: skip
    parser.add_argument("--limit", type=int, help="only the first N videos and N images")
    parser.add_argument("--jobs", type=int, default=2, choices=(1, 2), help="worker processes")
    return parser


def cli_main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    entries = read_manifest(args.manifest)  # a ManifestError is printed by `firegrid`
    disabled = tuple(sorted(set(args.disable)))
    videos = [e for e in entries if e.media == "video"][: args.limit]
    stills = [e for e in entries if e.media == "image"][: args.limit]
    clips = list(_run(_clip_task, [(e, disabled) for e in videos], args.jobs, lambda c: c.file))
    order = {e.file: i for i, e in enumerate(videos)}
    clips.sort(key=lambda c: order[c.file])
    images = list(_run(_image_task, [(e, disabled) for e in stills], args.jobs, lambda i: i.file))
    images.sort(key=lambda i: i.file)
    verifier_loaded = "verifier" not in disabled and load_default_verifier() is not None
    document: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "manifest": str(args.manifest),
        "disabled": list(disabled),
        "verifier_loaded": verifier_loaded,
        "clips": [clip_row(c) for c in clips],
        "summary": clip_summary(clips),
        "images": {"rows": [_image_row(i) for i in images], "summary": image_summary(images)},
    }
    if args.json:
        args.json.write_text(json.dumps(document, indent=2), encoding="utf-8")
    if args.report:
        page = write_report(args.report, clips, images, document)
        print(f"report: {page}", file=sys.stderr)
    summary = {"summary": document["summary"], "images": document["images"]["summary"]}
    print(json.dumps(summary if args.json else document, indent=2))
    return 0
