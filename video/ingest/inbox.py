"""The hand-off from a camera's demux thread to its decode thread: packets collected in batches.

A `queue.Queue` hand-off per packet wakes the decode thread for every frame (25 times a second
per camera: a condition variable, a futex wake-up, a GIL hand-over and a context switch each).
Here the demux thread only appends to a deque, which wakes nobody, and the decode thread
collects whatever has arrived every `batch_s`: one wake-up per batch (5 a second by default)
whatever the frame rate. The delay this adds to an alarm (at most `batch_s`) is far inside the
detector's time targets, which are seconds.

Bounded: when the decode thread falls behind and `capacity` packets wait, `offer` refuses and
the camera counts the drop. One producer and one consumer: deque appends and pops are atomic,
and only the producer grows the deque, so its length check cannot be overtaken.
"""

from __future__ import annotations

import threading
from collections import deque

from video.ingest.ring import EncodedPacket

# How long packets wait for the decode thread: five frames at 25 fps.
BATCH_S = 0.2


class DecodeInbox:
    """Packets between one camera's demux thread (`offer`) and decode thread (`collect`)."""

    def __init__(self, capacity: int, stop: threading.Event, batch_s: float = BATCH_S) -> None:
        self.capacity = capacity
        self.batch_s = batch_s
        self._stop = stop
        self._packets: deque[EncodedPacket] = deque()

    def __len__(self) -> int:
        return len(self._packets)

    def offer(self, packet: EncodedPacket) -> bool:
        """Queue `packet` for decoding; False (and nothing queued) when the inbox is full."""
        if len(self._packets) >= self.capacity:
            return False
        self._packets.append(packet)
        return True

    def collect(self) -> list[EncodedPacket] | None:
        """Wait one batch interval, then take every waiting packet; None once stopping."""
        if self._stop.wait(self.batch_s):
            return None
        packets = self._packets
        return [packets.popleft() for _ in range(len(packets))]
