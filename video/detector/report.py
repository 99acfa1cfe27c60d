"""The evaluator's HTML report: per clip, confidence over time and the first alarm's snapshot.

One self-contained page (inline SVG plots, snapshots as JPEG files beside it) so a person can
see at a glance why each clip passed or failed: red is the flame evidence, blue the smoke
evidence, the dashed line the alarm threshold and a black tick each alarm.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from video.detector.evaluation import ClipResult, ImageResult

PLOT_W, PLOT_H = 420, 90
THRESHOLD = 0.5  # the medium sensitivity's window share


def _polyline(points: Sequence[tuple[float, float]], duration: float, colour: str) -> str:
    if not points:
        return ""
    scale_x = (PLOT_W - 4) / max(duration, 1e-6)
    coords = " ".join(
        f"{2 + t * scale_x:.1f},{PLOT_H - 2 - v * (PLOT_H - 4):.1f}" for t, v in points
    )
    return f'<polyline fill="none" stroke="{colour}" stroke-width="1.2" points="{coords}"/>'


def confidence_svg(clip: ClipResult) -> str:
    duration = max(clip.duration_s, 1e-6)
    flame = [(t, f) for t, f, _ in clip.trace]
    smoke = [(t, s) for t, _, s in clip.trace]
    y_thr = PLOT_H - 2 - THRESHOLD * (PLOT_H - 4)
    ticks = "".join(
        f'<line x1="{2 + a.t * (PLOT_W - 4) / duration:.1f}" y1="0" '
        f'x2="{2 + a.t * (PLOT_W - 4) / duration:.1f}" y2="{PLOT_H}" stroke="black"/>'
        for a in clip.alarms
    )
    return (
        f'<svg width="{PLOT_W}" height="{PLOT_H}" style="background:#fafafa;border:1px solid #ccc">'
        f'<line x1="0" y1="{y_thr:.1f}" x2="{PLOT_W}" y2="{y_thr:.1f}" stroke="#999" '
        f'stroke-dasharray="4 3"/>{_polyline(flame, duration, "#d62728")}'
        f"{_polyline(smoke, duration, '#1f77b4')}{ticks}</svg>"
    )


def _verdict(expect: str, alarmed: bool) -> str:
    ok = alarmed == (expect == "alarm")
    return '<b style="color:green">pass</b>' if ok else '<b style="color:#c00">FAIL</b>'


def write_report(
    directory: Path,
    clips: Sequence[ClipResult],
    images: Sequence[ImageResult],
    document: dict[str, Any],
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, clip in enumerate(clips):
        snap = ""
        if clip.snapshot_jpeg:
            name = f"snapshot_{index:03d}.jpg"
            (directory / name).write_bytes(clip.snapshot_jpeg)
            snap = f'<img src="{name}" style="max-height:{PLOT_H * 2}px">'
        first = clip.alarms[0] if clip.alarms else None
        detail = f"{first.kind} at {first.t:.1f} s ({', '.join(first.evidence)})" if first else "—"
        if clip.error:
            detail = f"error: {clip.error}"
        rows.append(
            f"<tr><td>{_verdict(clip.expect, clip.alarmed)}</td><td>{html.escape(clip.file)}"
            f"<br><small>{html.escape(clip.category)} · expect {clip.expect} · "
            f"{len(clip.alarms)} alarms · {html.escape(detail)}</small></td>"
            f"<td>{confidence_svg(clip)}</td><td>{snap}</td></tr>"
        )
    image_rows = "".join(
        f"<tr><td>{_verdict(i.expect, i.alarmed)}</td><td>{html.escape(i.file)}</td>"
        f"<td>{html.escape(i.category)}</td><td>{i.kind or ''} {i.confidence:.2f}</td></tr>"
        for i in images
    )
    summary = html.escape(json.dumps(document.get("summary", {}), indent=2))
    image_summary = html.escape(json.dumps(document.get("images", {}).get("summary", {}), indent=2))
    disabled = html.escape(", ".join(document.get("disabled", [])) or "none")
    page = f"""<!doctype html><meta charset="utf-8"><title>firegrid detector evaluation</title>
<style>body{{font-family:sans-serif;margin:1em}}td{{vertical-align:top;padding:4px;
border-bottom:1px solid #eee}}small{{color:#555}}</style>
<h1>Detector evaluation</h1><p>Stages disabled: {disabled};
verifier loaded: {document.get("verifier_loaded")}. Red: flame evidence share, blue: smoke
evidence share, dashed: alarm threshold, black ticks: alarms.</p>
<h2>Clips</h2><pre>{summary}</pre><table>{"".join(rows)}</table>
<h2>Images (per-image check, not counted above)</h2><pre>{image_summary}</pre>
<table>{image_rows}</table>
"""
    path = directory / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
