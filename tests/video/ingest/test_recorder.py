"""Which packets make an alarm's clip."""

from __future__ import annotations

from tests.video.ingest.packets import packets, stream_info
from video.ingest.recorder import ClipRecorder, FinishedClip


def run(recorder: ClipRecorder, seconds: float, alarm_at: float) -> list[FinishedClip]:
    finished: list[FinishedClip] = []
    for p in packets(seconds):
        finished += recorder.add(p)
        if abs(p.t - alarm_at) < 1e-9:
            recorder.request("det-1", p.t)
    return finished


def test_clip_covers_preroll_from_a_keyframe_and_the_postroll() -> None:
    finished = run(ClipRecorder(preroll_s=3.0, postroll_s=2.0), 12.0, alarm_at=6.4)
    assert len(finished) == 1
    clip = finished[0]
    assert clip.detection_id == "det-1"
    assert clip.packets[0].keyframe and clip.start_t == 3.0  # keyframe at or before 3.4
    assert clip.end_t >= 8.4 and clip.end_t < 8.5
    times = [p.t for p in clip.packets]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_alarm_before_the_preroll_is_filled_takes_what_there_is() -> None:
    finished = run(ClipRecorder(preroll_s=10.0, postroll_s=1.0), 5.0, alarm_at=2.0)
    assert finished[0].start_t == 0.0 and finished[0].end_t >= 3.0


def test_flush_ends_pending_clips_and_reconnection_ends_them_too() -> None:
    recorder = ClipRecorder(preroll_s=2.0, postroll_s=30.0)
    for p in packets(4.0):
        recorder.add(p)
    recorder.request("a", 3.9)
    assert recorder.pending == 1
    restarted = recorder.add(packets(1.0, info=stream_info(1280))[0])
    assert [c.detection_id for c in restarted] == ["a"] and recorder.pending == 0
    recorder.request("b", 0.0)
    assert [c.detection_id for c in recorder.flush()] == ["b"]
