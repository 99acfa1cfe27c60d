"""The live relay: the fan-out point where live viewers (WebRTC, later) receive encoded packets.

Packets are relayed as they are demuxed, never decoded or re-encoded. A viewer is either a
callback, called on the demux thread and so required to return at once, or a bounded queue
that drops its oldest packet when the viewer falls behind (counted), so a slow viewer never
delays the camera, the detector or another viewer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from video.ingest.ring import EncodedPacket

PacketCallback = Callable[[EncodedPacket], None]


class RelayQueue:
    """A viewer's bounded queue of packets; the oldest packet goes when it is full."""

    def __init__(self, maxsize: int) -> None:
        self._queue: queue.Queue[EncodedPacket] = queue.Queue(maxsize)
        self.dropped = 0

    def put(self, packet: EncodedPacket) -> None:
        while True:
            try:
                self._queue.put_nowait(packet)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout: float | None = None) -> EncodedPacket:
        """The next packet; raises `queue.Empty` after `timeout` seconds."""
        return self._queue.get(timeout=timeout)


class PacketRelay:
    """Subscribers of one camera's encoded packets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: tuple[PacketCallback, ...] = ()

    @property
    def subscribers(self) -> int:
        return len(self._callbacks)

    def subscribe(self, callback: PacketCallback) -> Callable[[], None]:
        """Add a viewer; returns the function that removes it."""
        with self._lock:
            self._callbacks = (*self._callbacks, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._callbacks = tuple(c for c in self._callbacks if c is not callback)

        return unsubscribe

    def subscribe_queue(self, maxsize: int = 256) -> tuple[RelayQueue, Callable[[], None]]:
        viewer = RelayQueue(maxsize)
        return viewer, self.subscribe(viewer.put)

    def publish(self, packet: EncodedPacket) -> None:
        # The tuple is replaced, never mutated, so publishing needs no lock.
        for callback in self._callbacks:
            callback(packet)
