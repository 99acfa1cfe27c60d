"""When evidence becomes an alarm: a window threshold, hysteresis while active, a cooldown after.

The gate sees one number per analysed frame, the best track's share of frames with evidence in
its window. It rises when that share reaches `on` (one alarm per onset), stays active while it
keeps above the lower `off` share (a flame hidden by smoke for a moment does not end and re-raise
the alarm), and after it ends stays quiet for `cooldown_s` of stream time, so a fire that
smoulders on and off does not page the dispatcher every minute.
"""

from __future__ import annotations

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
