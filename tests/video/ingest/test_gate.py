"""The activity gate, fed packet sizes as a still camera and a busy one would send them."""

from __future__ import annotations

from tests.video.ingest.packets import TIME_BASE, stream_info
from video.ingest.gate import ActivityGate, GatedFeed, GatePolicy
from video.ingest.ring import EncodedPacket, PacketRing

FPS = 25
GOP = 50
STREAM = stream_info()  # one connection: a new StreamInfo would restart the ring


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


def _feed_packets(
    feed_: GatedFeed, ring: PacketRing, pframes: list[int], start: int
) -> list[list[EncodedPacket]]:
    """Packets from frame `start` on: a 20 KB keyframe every GOP frames, P-frames of the given
    sizes; each appended to the ring before the feed sees it, as the camera's recorder does."""
    out = []
    for offset, size in enumerate(pframes):
        index = start + offset
        t = index / FPS
        pts = round(t / TIME_BASE)
        key = index % GOP == 0
        packet = EncodedPacket(bytes(20_000 if key else size), pts, pts, t, key, STREAM)
        ring.append(packet)
        out.append(feed_.packets_for(packet))
    return out


def test_a_still_scene_sends_keyframes_only_and_activity_catches_up_from_the_ring() -> None:
    ring = PacketRing(10.0)
    feed_ = GatedFeed(ActivityGate(), ring)
    # Four still seconds: the baseline is learned during the first one (everything decoded).
    still = _feed_packets(feed_, ring, [30] * 4 * FPS, start=0)
    assert all(len(sent) == 1 for sent in still[:FPS])
    quiet = still[2 * FPS :]
    assert [len(sent) for sent in quiet] == [1 if i % GOP == 0 else 0 for i in range(2 * FPS)]
    # Something moves ten frames into a group of pictures: the decoder gets every P-frame since
    # the keyframe it has, in one burst, then each packet as it comes.
    _feed_packets(feed_, ring, [30] * 10, start=4 * FPS)
    moving = _feed_packets(feed_, ring, [2_000] * 5, start=4 * FPS + 10)
    first = next(i for i, sent in enumerate(moving) if sent)
    assert first <= 2  # the gate looks at the median of the last five P-frames
    burst, after = moving[first], moving[first + 1]
    newest = 4 * FPS + 10 + first
    assert [p.t for p in burst] == [i / FPS for i in range(4 * FPS + 1, newest + 1)]
    assert [p.t for p in after] == [(newest + 1) / FPS]
    assert feed_.gate.active
