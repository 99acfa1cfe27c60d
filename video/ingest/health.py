"""Camera health: a pure state machine with counters, an injected clock and injected jitter.

All state logic lives in `TRANSITIONS`. The machine is fed observations (a packet arrived, the
connection was lost, time passed) with the current time and answers with its state, the delay
before the next reconnection and a `CameraHealth` report. It has no threads and no I/O; the
camera adapter serialises calls to it.

States:
- `connecting`: opening the stream, or waiting to reopen it after a loss;
- `online`: packets arrive;
- `stalled`: connected, but no packet for `stall_after_s` of reading (a frozen camera or
  network). The demux thread's own pauses between reads (`pausing`) are not silence: counted as
  silence, they would bring a still camera read every 1.2 s within 0.3 s of a false stall.
  Stalls are reported at half the read timeout after reading resumed, and the idle pause is at
  most half the read timeout, so a frozen camera is reported within the read timeout of freezing
  and before the demuxer gives up;
- `offline`: no packet for `offline_after_s`; this is the "blind spot" the hub raises as
  `camera_offline`. The first packet after it is the recovery (`camera_online`).

Rates (input and analysed fps, bitrate) are per second of the camera's own stream time: the
demux thread reads a camera in bursts, up to `video.ingest.source.IDLE_BATCH_S` apart, so a
report window of wall time holds no burst, one or two, and rates per wall second would swing
between none and double the camera's real rate from one report to the next.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Literal

from video.config import IngestConfig
from video.detection import CameraHealth, CameraState

Observation = Literal["packet", "lost", "stall_timeout", "offline_timeout"]

TRANSITIONS: dict[CameraState, dict[Observation, CameraState]] = {
    "connecting": {
        "packet": "online",
        "lost": "connecting",
        "offline_timeout": "offline",
    },
    "online": {"packet": "online", "stall_timeout": "stalled", "lost": "connecting"},
    "stalled": {"packet": "online", "lost": "connecting", "offline_timeout": "offline"},
    "offline": {"packet": "online", "lost": "offline"},
}

# The first reconnection waits this long; each further failure doubles it up to the cap.
BACKOFF_INITIAL_S = 0.5


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    stall_after_s: float
    offline_after_s: float
    backoff_initial_s: float
    backoff_max_s: float

    @classmethod
    def from_config(cls, config: IngestConfig) -> HealthPolicy:
        # Stalls are reported at half the read timeout so that the state shows before the
        # demuxer gives up and reconnects at the full read timeout.
        return cls(
            stall_after_s=config.read_timeout_s / 2,
            offline_after_s=config.offline_after_s,
            backoff_initial_s=min(BACKOFF_INITIAL_S, config.backoff_max_s),
            backoff_max_s=config.backoff_max_s,
        )


def backoff_delay(policy: HealthPolicy, failures: int, rng: random.Random) -> float:
    """Capped exponential backoff with "equal jitter": half fixed, half random.

    The random half spreads the reconnections of many cameras behind one failed switch.
    """
    base = min(policy.backoff_max_s, policy.backoff_initial_s * 2.0 ** max(0, failures - 1))
    return base / 2 + rng.uniform(0.0, base / 2)


# A stream-time span this much longer than the wall-time span is not one stream (a reconnection
# restarted the camera's clock): rates fall back to wall time.
STREAM_SPAN_SLACK_S = 5.0


@dataclass(slots=True)
class _Counters:
    packets: int = 0
    bytes: int = 0
    analysed: int = 0
    # Stream time of the latest packet and of the latest analysed frame, for the rates.
    packet_t: float | None = None
    analysed_t: float | None = None
    dropped: int = 0
    decode_errors: int = 0
    resolution_changes: int = 0


class HealthMachine:
    """State and counters of one camera. Every method takes the current time `now` (s)."""

    def __init__(
        self, camera_id: str, policy: HealthPolicy, now: float, rng: random.Random
    ) -> None:
        self.camera_id = camera_id
        self.policy = policy
        self.state: CameraState = "connecting"
        self.since = now
        self.reconnects = 0
        self.error: str | None = None
        self._rng = rng
        self._failures = 0
        self._attempts = 0
        self._last_packet: float | None = None
        # Silence is measured from the last packet, or from start while none has arrived.
        self._silent_since = now
        self._totals = _Counters()
        self._reported = _Counters()
        self._reported_at = now
        self._input_fps = 0.0
        self._analysed_fps = 0.0
        self._kbps = 0.0

    # observations -------------------------------------------------------------------------

    def connect_attempt(self) -> None:
        """A (re)connection starts; every attempt after the first counts as a reconnect."""
        if self._attempts:
            self.reconnects += 1
        self._attempts += 1

    def packet(self, now: float, size: int, t: float | None = None) -> bool:
        """An encoded packet of stream time `t` (default: `now`) arrived. Returns True if the
        state changed."""
        first = self._totals.packet_t is None
        self._totals.packets += 1
        self._totals.bytes += size
        self._totals.packet_t = now if t is None else t
        if first:
            # The first packet opens the first rate window: the wall-time window open until
            # then began before the camera answered, and would make its first rates too low.
            self._reported.packets = self._totals.packets
            self._reported.bytes = self._totals.bytes
            self._reported.packet_t = self._totals.packet_t
        self._last_packet = now
        self._silent_since = now
        self._failures = 0
        if self.state != "online":
            self.error = None
        return self._apply("packet", now)

    def pausing(self, now: float, pause_s: float) -> None:
        """The demux thread stops reading for `pause_s` on purpose: silence counts from the end
        of the pause."""
        self._silent_since = max(self._silent_since, now + pause_s)

    def lost(self, now: float, error: str) -> float:
        """The connection failed or ended. Returns the delay before the next attempt (s)."""
        self._failures += 1
        self.error = error
        self._apply("lost", now)
        return backoff_delay(self.policy, self._failures, self._rng)

    def tick(self, now: float) -> bool:
        """Let time pass: detect stalls and the offline threshold. True if the state changed."""
        silence = now - self._silent_since
        changed = False
        if silence >= self.policy.stall_after_s and "stall_timeout" in TRANSITIONS[self.state]:
            changed = self._apply("stall_timeout", now)
        if silence >= self.policy.offline_after_s:
            changed = self._apply("offline_timeout", now) or changed
        return changed

    def next_check(self) -> float:
        """When `tick` could next change the state (inf: only a packet can)."""
        if "stall_timeout" in TRANSITIONS[self.state]:
            return self._silent_since + self.policy.stall_after_s
        if "offline_timeout" in TRANSITIONS[self.state]:
            return self._silent_since + self.policy.offline_after_s
        return float("inf")

    def analysed(self, t: float | None = None) -> None:
        """A frame of stream time `t` (default: unknown, rated per wall second) was analysed."""
        first = self._totals.analysed_t is None and t is not None
        self._totals.analysed += 1
        self._totals.analysed_t = t
        if first:  # as for the first packet
            self._reported.analysed = self._totals.analysed
            self._reported.analysed_t = t

    def dropped(self, frames: int = 1) -> None:
        self._totals.dropped += frames

    def decode_error(self) -> None:
        self._totals.decode_errors += 1

    def resolution_changed(self) -> None:
        self._totals.resolution_changes += 1

    # reports ------------------------------------------------------------------------------

    @property
    def packets(self) -> int:
        return self._totals.packets

    @property
    def decode_errors(self) -> int:
        return self._totals.decode_errors

    @property
    def resolution_changes(self) -> int:
        return self._totals.resolution_changes

    def report(self, now: float, advance: bool = True) -> CameraHealth:
        """The current health; rates are averaged since the previous advancing report."""
        span = now - self._reported_at
        totals, prev = self._totals, self._reported
        # An online camera read in bursts about as far apart as the reports can have no packet
        # in a window: the window then stays open, instead of reporting 0 fps and then double.
        paused = self.state == "online" and totals.packets == prev.packets
        if span > 0 and advance and not paused:
            packet_span = _stream_span(totals.packet_t, prev.packet_t, span)
            self._input_fps = (totals.packets - prev.packets) / packet_span
            self._kbps = (totals.bytes - prev.bytes) * 8 / 1000 / packet_span
            analysed_span = _stream_span(totals.analysed_t, prev.analysed_t, span)
            self._analysed_fps = (totals.analysed - prev.analysed) / analysed_span
            self._reported = replace(totals)
            self._reported_at = now
        return CameraHealth(
            camera_id=self.camera_id,
            state=self.state,
            since=self.since,
            input_fps=self._input_fps,
            analysed_fps=self._analysed_fps,
            dropped_frames=totals.dropped,
            decode_errors=totals.decode_errors,
            reconnects=self.reconnects,
            last_frame_age_s=None if self._last_packet is None else now - self._last_packet,
            bitrate_kbps=self._kbps,
            error=self.error,
        )

    def _apply(self, observation: Observation, now: float) -> bool:
        new = TRANSITIONS[self.state].get(observation)
        if new is None or new == self.state:
            return False
        self.state = new
        self.since = now
        return True


def _stream_span(now_t: float | None, before_t: float | None, wall_span: float) -> float:
    """Stream time between the latest items at two reports, or `wall_span` when that is not
    one stream's time (nothing new, no times known, or a restarted clock)."""
    if now_t is None or before_t is None:
        return wall_span
    stream_span = now_t - before_t
    if 0 < stream_span < wall_span + STREAM_SPAN_SLACK_S:
        return stream_span
    return wall_span
