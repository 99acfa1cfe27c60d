"""The pre-roll ring of encoded packets."""

from __future__ import annotations

from tests.video.ingest.packets import packets, stream_info
from video.ingest.ring import PacketRing


def test_ring_starts_at_a_keyframe() -> None:
    ring = PacketRing(10.0)
    for p in packets(3.0)[5:]:
        ring.append(p)
    first = next(iter(ring))
    assert first.keyframe and first.t == 1.0


def test_ring_drops_whole_groups_and_keeps_at_least_the_window() -> None:
    ring = PacketRing(4.0)
    for p in packets(20.0, gop=50):
        ring.append(p)
        assert next(iter(ring)).keyframe
        if p.t >= 6.0:
            assert 4.0 <= ring.span_s < 4.0 + 2.0  # at most one GOP (2 s) more than asked
    assert ring.nbytes == 100 * len(ring)


def test_since_starts_at_the_keyframe_before_the_asked_time() -> None:
    ring = PacketRing(10.0)
    for p in packets(8.0):
        ring.append(p)
    out = ring.since(5.5)
    assert out[0].t == 5.0 and out[0].keyframe
    assert out[-1].t == packets(8.0)[-1].t
    assert ring.since(-3.0)[0].t == 0.0  # earlier than the ring: from its oldest keyframe
    assert ring.since_last_keyframe()[0].t == 7.0


def test_a_new_stream_restarts_the_ring() -> None:
    ring = PacketRing(10.0)
    for p in packets(3.0):
        ring.append(p)
    other = stream_info(1280)
    for p in packets(1.0, start=0.0, info=other):
        ring.append(p)
    assert len(ring) == 25 and all(p.stream is other for p in ring)


def test_empty_ring_has_nothing_to_give() -> None:
    ring = PacketRing(10.0)
    assert ring.since(0.0) == [] and ring.since_last_keyframe() == [] and ring.span_s == 0.0
