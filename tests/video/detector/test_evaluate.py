from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from tests.video.detector.clipfiles import house6, write_clip
from tests.video.detector.scenes import add_flame, static_scene
from video.detector.evaluation import ClipResult, RaisedAlarm
from video.evaluate import ManifestError, cli_main, clip_summary, read_manifest

HEADER = "file\tmedia\tcategory\texpect\n"


def _manifest(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "manifest.tsv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_summary_metrics() -> None:
    def clip(expect: str, alarm_times: list[float], duration: float = 3600.0) -> ClipResult:
        alarms = [RaisedAlarm(t, "flame", 0.9, ()) for t in alarm_times]
        return ClipResult(
            "f", expect, "c", alarms=alarms, frames=10, duration_s=duration, seconds=1
        )

    clips = [
        clip("alarm", [2.0]),
        clip("alarm", [4.0, 30.0]),
        clip("alarm", [12.0]),
        clip("alarm", []),
        clip("no_alarm", []),
        clip("no_alarm", [5.0, 50.0]),
    ]
    summary = clip_summary(clips)
    assert summary["recall"] == 0.75
    assert summary["false_alarm_rate"] == 0.5
    assert summary["accuracy"] == round(4 / 6, 4)
    assert summary["median_time_to_alarm_s"] == 4.0
    assert summary["max_time_to_alarm_s"] == 12.0
    assert summary["false_alarms_per_hour"] == 1.0  # 2 alarms over 2 h of negative footage
    assert summary["frames_per_second"] == 10.0


def test_manifest_needs_its_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tlabel\na\tb\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="columns"):
        read_manifest(bad)
    with pytest.raises(ManifestError, match="expect"):
        read_manifest(_manifest(tmp_path, ["a.mp4\tvideo\tfire\tmaybe"]))
    with pytest.raises(ManifestError, match="cannot read"):
        read_manifest(tmp_path / "missing.tsv")


def test_eval_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quiet = write_clip(tmp_path / "quiet.mp4", seconds=6)
    fire = write_clip(tmp_path / "fire.mp4", seconds=6, draw=lambda f, i: add_flame(f, i))
    flame_still = static_scene()
    add_flame(flame_still, 3)
    cv2.imwrite(str(tmp_path / "flame.jpg"), flame_still)
    cv2.imwrite(str(tmp_path / "wall.jpg"), static_scene())
    manifest = _manifest(
        tmp_path,
        [
            f"{house6()}\tvideo\tfire\talarm",
            f"{fire.name}\tvideo\tfire\talarm",
            f"{quiet.name}\tvideo\tnegative\tno_alarm",
            "flame.jpg\timage\tfire\talarm",
            "wall.jpg\timage\tnegative\tno_alarm",
        ],
    )
    out = tmp_path / "result.json"
    report = tmp_path / "report"
    argv = [str(manifest), "--json", str(out), "--report", str(report), "--jobs", "1"]
    assert cli_main([*argv, "--disable", "verifier"]) == 0
    document = json.loads(out.read_text())
    rows = {Path(r["file"]).name: r for r in document["clips"]}
    assert rows["house6.mp4"]["alarmed"] and rows["house6.mp4"]["time_to_alarm_s"] <= 5
    assert rows["fire.mp4"]["alarmed"] and not rows["quiet.mp4"]["alarmed"]
    assert document["summary"]["recall"] == 1.0
    assert document["summary"]["false_alarm_rate"] == 0.0
    assert document["disabled"] == ["verifier"] and not document["verifier_loaded"]
    images = {r["file"]: r["alarmed"] for r in document["images"]["rows"]}
    assert images == {"flame.jpg": True, "wall.jpg": False}
    page = (report / "index.html").read_text()
    assert page.count("<svg") == 3 and "house6.mp4" in page
    assert len(list(report.glob("snapshot_*.jpg"))) == 2
    printed = json.loads(capsys.readouterr().out)
    assert printed["summary"] == document["summary"]


def test_eval_cli_two_jobs_and_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b", "c"):
        write_clip(tmp_path / f"{name}.mp4", seconds=2)
    manifest = _manifest(tmp_path, [f"{n}.mp4\tvideo\tnegative\tno_alarm" for n in ("a", "b", "c")])
    assert cli_main([str(manifest), "--limit", "2", "--jobs", "2"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in document["clips"]] == ["a.mp4", "b.mp4"]
    assert document["summary"]["false_alarm_rate"] == 0.0
