"""The batched hand-off between a camera's demux and decode threads."""

from __future__ import annotations

import threading

from tests.video.ingest.packets import packets
from video.ingest.inbox import DecodeInbox
from video.ingest.ring import EncodedPacket


def test_collect_takes_everything_waiting_in_order() -> None:
    inbox = DecodeInbox(capacity=10, stop=threading.Event(), batch_s=0.0)
    sent = packets(0.2)
    assert all(inbox.offer(p) for p in sent)
    assert inbox.collect() == sent
    assert inbox.collect() == []


def test_a_full_inbox_refuses_until_collected() -> None:
    inbox = DecodeInbox(capacity=3, stop=threading.Event(), batch_s=0.0)
    first, second, third, fourth, fifth = packets(0.2)
    assert [inbox.offer(p) for p in (first, second, third, fourth)] == [True, True, True, False]
    assert len(inbox) == 3
    assert inbox.collect() == [first, second, third]
    assert inbox.offer(fifth)


def test_collect_returns_none_once_stopping_without_waiting_a_batch() -> None:
    stop = threading.Event()
    inbox = DecodeInbox(capacity=3, stop=stop, batch_s=3600.0)
    stop.set()
    assert inbox.collect() is None


def test_packets_offered_from_another_thread_all_arrive() -> None:
    inbox = DecodeInbox(capacity=1000, stop=threading.Event(), batch_s=0.001)
    sent = packets(10.0)
    producer = threading.Thread(target=lambda: [inbox.offer(p) for p in sent])
    producer.start()
    received: list[EncodedPacket] = []
    while len(received) < len(sent):
        batch = inbox.collect()
        assert batch is not None
        received.extend(batch)
    producer.join()
    assert received == sent


def _collect_in_thread(inbox: DecodeInbox) -> tuple[threading.Thread, list[object]]:
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(inbox.collect()))
    thread.start()
    return thread, got


def test_half_a_full_inbox_wakes_the_decoder_before_any_release() -> None:
    # A batch interval of minutes: only the early wake-up can make collect return promptly.
    inbox = DecodeInbox(capacity=4, stop=threading.Event(), batch_s=600.0)
    sent = packets(0.2)[:3]
    assert all(inbox.offer(p) for p in sent)
    thread, got = _collect_in_thread(inbox)
    thread.join(timeout=10)
    assert not thread.is_alive() and got == [sent]


def test_closing_wakes_a_waiting_decoder_which_then_stops() -> None:
    stop = threading.Event()
    inbox = DecodeInbox(capacity=4, stop=stop, batch_s=600.0)
    thread, got = _collect_in_thread(inbox)
    stop.set()
    inbox.close()
    thread.join(timeout=10)
    assert not thread.is_alive() and got == [None]
