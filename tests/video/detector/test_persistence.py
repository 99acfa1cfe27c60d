from __future__ import annotations

import pytest

from video.detector.persistence import AlarmGate, FrameRate, FrameSchedule, GateSettings


def test_rises_once_then_holds_with_hysteresis() -> None:
    gate = AlarmGate(GateSettings(on=0.5, off=0.2, cooldown_s=10))
    assert not gate.update(0.4, 0.0)
    assert gate.update(0.5, 0.1)
    assert gate.active
    # Dips above `off` keep the same alarm: no second onset.
    assert [gate.update(s, 0.2 + i / 10) for i, s in enumerate((0.3, 0.25, 0.6, 0.9))] == [
        False
    ] * 4
    assert gate.active


def test_cooldown_after_an_alarm_ends() -> None:
    gate = AlarmGate(GateSettings(on=0.5, off=0.2, cooldown_s=10))
    assert not gate.settled(0.0)
    assert gate.update(0.8, 0.0)
    assert gate.settled(0.5)
    assert not gate.update(0.1, 1.0)  # ends at t=1
    assert not gate.active
    assert not gate.update(0.9, 5.0)  # in cooldown
    assert gate.settled(5.0) and not gate.settled(11.0)
    assert not gate.update(0.9, 10.9)
    assert gate.update(0.9, 11.0)  # cooldown over: a new onset


def test_settings_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        GateSettings(on=0.3, off=0.4)


def test_the_frame_rate_is_taken_from_timestamps_and_reported_once_it_moves() -> None:
    rate = FrameRate(planned_fps=10.0, span=10)
    assert not any(rate.update(i / 10) for i in range(30))  # as planned: nothing to resize
    assert rate.sized_for == 10.0
    slow = FrameRate(planned_fps=10.0, span=10)
    changes = [slow.update(i / 5) for i in range(30)]
    assert changes.index(True) == 9 and changes.count(True) == 1  # once ten frames are in
    assert slow.sized_for == pytest.approx(5.0)


def test_the_rate_never_exceeds_the_plan_and_restarts_when_time_goes_back() -> None:
    fast = FrameRate(planned_fps=10.0, span=10)
    assert not any(fast.update(i / 25) for i in range(30))  # the ingest feeds at most 10/s
    rate = FrameRate(planned_fps=10.0, span=10)
    for i in range(10):
        rate.update(i / 5)
    assert rate.sized_for == pytest.approx(5.0)
    # A looped file starts again at 0: the old frames do not count, then 10 fps is seen.
    assert not any(rate.update(i / 10) for i in range(9))
    assert rate.update(0.9) and rate.sized_for == pytest.approx(10.0)


def test_keyframes_seconds_apart_are_a_gap_not_a_rate() -> None:
    rate = FrameRate(planned_fps=10.0, span=10)
    # Behind the activity gate a still scene sends a keyframe every 2 s: the windows stay as
    # planned, ready for the 10 frames a second that come when something moves.
    assert not any(rate.update(2.0 * i) for i in range(30))
    assert rate.sized_for == 10.0


def test_a_new_plan_sizes_the_windows_at_once_and_caps_what_is_measured() -> None:
    rate = FrameRate(planned_fps=10.0, span=10)
    for i in range(10):
        rate.update(i / 10)
    rate.replan(2.5)
    assert rate.planned_fps == rate.sized_for == 2.5
    # Frames still come at 10/s for a moment (already due): never sized above the plan.
    assert not any(rate.update(1.0 + i / 10) for i in range(12))
    rate.replan(10.0)
    assert rate.sized_for == 10.0


def test_declined_frames_count_so_a_slow_camera_keeps_its_windows_when_the_plan_rises() -> None:
    # Analysed at an idle 5 fps: a 25 fps camera (offered at 10) and a 5 fps substream look
    # alike by the frames taken; the frames declined tell them apart.
    fast, slow = FrameRate(planned_fps=5.0, span=10), FrameRate(planned_fps=5.0, span=10)
    for i in range(20):
        (fast.update if i % 2 == 0 else fast.offered)(i / 10)
        slow.update(i / 5)
    fast.replan(10.0)
    slow.replan(10.0)
    assert fast.sized_for == 10.0
    assert slow.sized_for == pytest.approx(5.0)


def test_a_schedule_skips_the_gap_after_a_taken_frame_and_restarts_when_time_goes_back() -> None:
    schedule = FrameSchedule()
    assert schedule.due(0.0)  # nothing taken yet
    schedule.take(0.0, 0.35)
    assert [schedule.due(t) for t in (0.1, 0.2, 0.3, 0.35, 0.4)] == [False] * 3 + [True] * 2
    assert schedule.due(-5.0)  # a new connection or a looped file
    schedule.take(1.0, 1.0)  # no gap: every later frame is due
    assert schedule.due(1.04)
