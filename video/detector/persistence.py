"""When evidence becomes an alarm: a window threshold, hysteresis while active, a cooldown after.

The gate sees one number per analysed frame, the best track's share of frames with evidence in
its window. It rises when that share reaches `on` (one alarm per onset), stays active while it
keeps above the lower `off` share (a flame hidden by smoke for a moment does not end and re-raise
the alarm), and after it ends stays quiet for `cooldown_s` of stream time, so a fire that
smoulders on and off does not page the dispatcher every minute.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GateSettings:
    on: float = 0.5
    off: float = 0.2
    cooldown_s: float = 60.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.off < self.on <= 1.0:
            raise ValueError(f"need 0 <= off < on <= 1, got off={self.off} on={self.on}")


class AlarmGate:
    def __init__(self, settings: GateSettings) -> None:
        self._settings = settings
        self._active = False
        self._quiet_until = float("-inf")

    @property
    def active(self) -> bool:
        return self._active

    def settled(self, t: float) -> bool:
        """No alarm can rise at `t`: one is up, or the cooldown after one is running."""
        return self._active or t < self._quiet_until

    def update(self, score: float, t: float) -> bool:
        """Feed the frame's evidence share at stream time `t`; True when an alarm rises now."""
        s = self._settings
        if self._active:
            if score < s.off:
                self._active = False
                self._quiet_until = t + s.cooldown_s
            return False
        if score >= s.on and t >= self._quiet_until:
            self._active = True
            return True
        return False


class FrameRate:
    """The rate at which frames really reach the detector, for sizing windows given in seconds:
    the rate they are offered at (analysed or declined), never above the rate it asks for.

    Windows are held in frames. A camera sending fewer frames a second than the analyser asks
    for (a 5 or 6 fps substream) would otherwise stretch every window in time: at 5 fps a 2 s
    window planned at 10 fps lasts 4 s, and each alarm comes that much later. The estimate is
    the mean rate over the last `span` frames; `update` says when it has moved far enough from
    the rate the windows were sized for (`sized_for`) that they should be sized again.

    A gap longer than `max_gap_s` is not a rate: while a still scene is behind the ingest's
    activity gate only keyframes come, a second or more apart, and a fire that starts there must
    meet windows sized for the frames that come once it moves. Streams slower than that keep
    the planned windows.
    """

    def __init__(
        self, planned_fps: float, span: int = 10, tolerance: float = 0.25, max_gap_s: float = 0.5
    ) -> None:
        self.planned_fps = planned_fps
        self.sized_for = planned_fps
        self._span = span
        self._tolerance = tolerance
        self._max_gap_s = max_gap_s
        self._times: deque[float] = deque(maxlen=span)

    def replan(self, fps: float) -> None:
        """The analyser now asks for `fps`: size the windows for it, or for the rate frames are
        offered at when that is lower (a slow camera stays slow whatever the analyser asks)."""
        self.planned_fps = fps
        offered = self._offered_fps()
        if offered is not None and offered < (1 - self._tolerance) * fps:
            self.sized_for = offered
        else:
            self.sized_for = fps

    def offered(self, t: float) -> None:
        """Note a frame offered at stream time `t` that the analyser declined."""
        self._note(t)

    def update(self, t: float) -> bool:
        """Note a frame analysed at stream time `t`; True when the windows should be sized
        again."""
        self._note(t)
        offered = self._offered_fps()
        if offered is None:
            return False
        # Never above the planned rate: the analyser takes at most that.
        fps = min(self.planned_fps, offered)
        if abs(fps - self.sized_for) <= self._tolerance * self.sized_for:
            return False
        self.sized_for = fps
        return True

    def _note(self, t: float) -> None:
        if self._times and not 0 < t - self._times[-1] <= self._max_gap_s:
            self._times.clear()  # a gap, or time went back (a new connection, a looped file)
        self._times.append(t)

    def _offered_fps(self) -> float | None:
        if len(self._times) < self._span:
            return None
        return (self._span - 1) / (self._times[-1] - self._times[0])


class FrameSchedule:
    """Which frames a thinned rate takes: any frame not strictly inside the gap after the last.

    A frame before the last one taken is a new connection or a looped file: it is taken, and
    the schedule starts from it.
    """

    def __init__(self) -> None:
        self._taken = self._next = float("-inf")

    def due(self, t: float) -> bool:
        return not self._taken < t < self._next

    def take(self, t: float, next_due: float) -> None:
        """The frame at `t` is taken; the next one due comes no earlier than `next_due`."""
        self._taken, self._next = t, next_due
