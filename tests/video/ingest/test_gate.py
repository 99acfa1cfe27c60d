"""The activity gate, fed packet sizes as a still camera and a busy one would send them."""

from __future__ import annotations

from video.ingest.gate import ActivityGate, GatePolicy

FPS = 25
GOP = 50


def feed(
    gate: ActivityGate, seconds: float, start: float, pframe: int, key: int = 20_000
) -> list[bool]:
    """Feed `seconds` of packets; every 25th P-frame carries a clock tick of 1 KB."""
    out = []
    for i in range(round(seconds * FPS)):
        t = start + i / FPS
        index = round(t * FPS)
        if index % GOP == 0:
            out.append(gate.observe(key, True, t))
        else:
            size = 1000 if index % FPS == 1 else pframe
            out.append(gate.observe(size, False, t))
    return out


def test_everything_is_decoded_until_the_baseline_is_learned() -> None:
    gate = ActivityGate()
    assert all(feed(gate, 1.0, 0.0, pframe=30))
    assert gate.baseline is not None and 25 <= gate.baseline <= 1000


def test_a_still_scene_goes_quiet_and_a_ticking_clock_does_not_wake_it() -> None:
    gate = ActivityGate()
    feed(gate, 2.0, 0.0, pframe=30)
    quiet = feed(gate, 20.0, 2.0 + GatePolicy().hold_s, pframe=30)
    assert not any(quiet[5:])
    assert gate.baseline is not None and gate.baseline < 60


def test_motion_wakes_it_within_a_few_frames_and_it_holds() -> None:
    gate = ActivityGate()
    feed(gate, 8.0, 0.0, pframe=30)
    assert not gate.active
    moving = feed(gate, 2.0, 8.0, pframe=150)  # a small fire: five times the still P-frames
    assert moving.index(True) <= 4 and all(moving[4:])
    after = feed(gate, 5.0, 10.0, pframe=30)
    hold = round(GatePolicy().hold_s * FPS)
    assert all(after[: hold - 5]) and not any(after[hold + 5 :])


def test_a_changed_keyframe_wakes_it() -> None:
    gate = ActivityGate()
    feed(gate, 8.0, 0.0, pframe=30, key=20_000)
    assert not gate.active
    assert gate.observe(26_000, True, 8.0) is True


def test_activity_does_not_become_the_baseline() -> None:
    gate = ActivityGate()
    feed(gate, 8.0, 0.0, pframe=30)
    feed(gate, 30.0, 8.0, pframe=400)
    assert gate.baseline is not None and gate.baseline < 200
    assert gate.active


def test_a_changed_keyframe_picture_wakes_it_past_the_next_keyframe() -> None:
    gate = ActivityGate()
    feed(gate, 8.0, 0.0, pframe=30)
    assert not gate.active
    gate.wake(8.0)
    assert gate.active
    # Grain-sized P-frames alone would let it sleep after `hold_s`; the wake holds until just
    # past the next keyframe (this camera sends one every GOP frames).
    policy = GatePolicy()
    hold = max(policy.hold_s, policy.keyframe_hold_gops * GOP / FPS)
    assert all(feed(gate, hold - 0.1, 8.0, pframe=30))
    assert not any(feed(gate, 1.0, 8.0 + hold, pframe=30)[1:])
