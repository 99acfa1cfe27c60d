"""The hand-off from a camera's demux thread to its decode thread: packets collected in batches.

A `queue.Queue` hand-off per packet wakes the decode thread for every frame (25 times a second
per camera: a condition variable, a futex wake-up, a GIL hand-over and a context switch each).
Here the demux thread only appends to a deque, which wakes nobody. The decode thread sleeps
until the demux thread, at the end of a burst of reads (`release`, just before it pauses
itself), finds that packets have gathered for `batch_s`: one wake-up per batch, none while
nothing comes (a still scene behind the activity gate), and the decoder runs while the demux
thread sleeps, on caches the demux thread just warmed, instead of on a timer of its own. The
delay this adds to an alarm (about `batch_s` plus one demux pause) is far inside the
detector's time targets, which are seconds.

A fallback keeps the decoder going if releases stop (a stalled read, a caller without pauses):
`collect` also returns after `5 * batch_s`, and `offer` wakes it early once half the capacity
waits, so a catch-up burst is decoded before the inbox overflows.

Bounded: when the decode thread falls behind and `capacity` packets wait, `offer` refuses and
the camera counts the drop. One producer and one consumer: deque appends and pops are atomic,
and only the producer grows the deque, so its length check cannot be overtaken.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from video.ingest.ring import EncodedPacket

# How long packets gather for the decode thread: five frames at 25 fps.
BATCH_S = 0.2
# Without a release, the decode thread still looks this many batch intervals apart.
FALLBACK_BATCHES = 5


class DecodeInbox:
    """Packets between one camera's demux thread (`offer`, `release`) and decode thread
    (`collect`)."""

    def __init__(self, capacity: int, stop: threading.Event, batch_s: float = BATCH_S) -> None:
        self.capacity = capacity
        self.batch_s = batch_s
        self._stop = stop
        self._packets: deque[EncodedPacket] = deque()
        self._ready = threading.Event()
        self._released_at = time.monotonic()

    def __len__(self) -> int:
        return len(self._packets)

    def offer(self, packet: EncodedPacket) -> bool:
        """Queue `packet` for decoding; False (and nothing queued) when the inbox is full."""
        waiting = len(self._packets)
        if waiting >= self.capacity:
            return False
        self._packets.append(packet)
        if 2 * waiting == self.capacity:
            self._ready.set()
        return True

    def release(self) -> None:
        """The producer pauses: wake the decode thread if a batch has gathered."""
        if not self._packets or self._ready.is_set():
            return
        now = time.monotonic()
        if now - self._released_at >= self.batch_s:
            self._released_at = now
            self._ready.set()

    def close(self) -> None:
        """Wake the decode thread at once (the camera stops: `stop` is already set)."""
        self._ready.set()

    def collect(self) -> list[EncodedPacket] | None:
        """Wait for a released batch (or the fallback), take every waiting packet; None once
        stopping."""
        if self._stop.is_set():
            return None
        self._ready.wait(FALLBACK_BATCHES * self.batch_s)
        self._ready.clear()
        if self._stop.is_set():
            return None
        packets = self._packets
        return [packets.popleft() for _ in range(len(packets))]
