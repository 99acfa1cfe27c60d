"""The served clip's costs with no idle time: what a core saturated with cameras pays per stream.

The live rounds of `firegrid bench ingest` run a few streams on the machine's cores, so every
thread sleeps between packets, and on this kind of machine the work done after each sleep costs
far more than the same work done back to back (caches and branch predictors have gone cold; on a
virtual machine the host may have used the core meanwhile). The hub's decoder alone on house6 at
640x360, one thread, fed from memory with sleeps between feeds (a one-off measurement,
2026-11-30): 13-14 ms per stream-second when fed each packet as it comes at the live rate, 6.5
when fed five at a time, 5.7 a second's worth at a time and 3.7 back to back. The live rounds
therefore describe a lightly loaded hub. At the capacity the issue asks about every core is busy
and nothing idles: that is what this module measures.

It reads the clip's packets into memory once (`PacketSource.read_pass`, the hub's own reader) and
then, on one thread, as fast as they go:

- `baseline`: the decode-only baseline's decoder (every frame at full quality, one thread);
- `ingest`: the hub's `FrameDecoder` (its decoder settings) and its conversion of every frame due
  for analysis;
- `hub`: the same with the production analyser fed as a camera feeds it (`AnalyserFeed`: each
  due frame, and the luma of every frame while it asks for it).

With `gated` (the cctv scene) both hub sides decode what the activity gate lets through, with its
catch-up from the pre-roll ring, and analyse only while it is awake, exactly as a camera's
pipeline does (`GatedFeed`); the baseline still decodes everything.

Demux (reading the socket) is left out: both sides pay it alike. Each side is timed `repeats`
times in turn and the median kept, in CPU milliseconds per stream-second of video.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2

from video.analyzer import FrameAnalyzer
from video.config import CameraConfig, DetectorConfig, IngestConfig
from video.ingest.decoder import FrameDecoder, open_stream_decoder, to_av_packet
from video.ingest.errors import CameraError
from video.ingest.frames import AnalyserFeed
from video.ingest.gate import ActivityGate, GatedFeed
from video.ingest.keyframes import KeyframeChange
from video.ingest.recorder import ClipRecorder
from video.ingest.ring import EncodedPacket
from video.ingest.source import PacketSource
from video.ingest.worker import load_factory


@dataclass(frozen=True, slots=True)
class SaturatedCosts:
    """CPU milliseconds per stream-second of each side, decoding back to back on one thread."""

    baseline_ms: float
    ingest_ms: float
    hub_ms: float
    stream_s: float  # video seconds each side decoded per repeat
    decoded_fraction: float  # of the packets, those the hub decoded (below 1 only when gated)

    def as_json(self) -> dict[str, float]:
        return {
            "baseline_ms_per_stream_s": round(self.baseline_ms, 2),
            "ingest_only_ms_per_stream_s": round(self.ingest_ms, 2),
            "hub_ms_per_stream_s": round(self.hub_ms, 2),
            "ratio": round(self.hub_ms / self.baseline_ms, 3),
            "ingest_only_ratio": round(self.ingest_ms / self.baseline_ms, 3),
            "stream_seconds": round(self.stream_s, 1),
            "decoded_frame_fraction": round(self.decoded_fraction, 3),
        }


def read_packets(clip: Path) -> list[EncodedPacket]:
    """Every packet of one pass over `clip`, with the hub's timestamps."""
    source = PacketSource("bench", str(clip), 5.0, 5.0, threading.Event())
    source.open()
    try:
        return list(source.read_pass())
    finally:
        source.close()


def _baseline(packets: Sequence[EncodedPacket]) -> float:
    context = open_stream_decoder(packets[0].stream)
    context.thread_type = "NONE"  # as `bench_measure`'s baseline decodes
    start = time.thread_time()
    for packet in packets:
        context.decode(to_av_packet(packet))
    return time.thread_time() - start


@dataclass(frozen=True, slots=True)
class _HubPass:
    cpu_s: float
    decoded: int


def _hub(packets: Sequence[EncodedPacket], analyzer: FrameAnalyzer | None, gated: bool) -> _HubPass:
    settings = DetectorConfig()
    ingest = IngestConfig()
    recorder = ClipRecorder(ingest.preroll_s, ingest.postroll_s)
    feed = GatedFeed(ActivityGate(), recorder.ring) if gated else None
    decoder = FrameDecoder(
        settings.analysis_width, settings.analysis_fps, KeyframeChange() if gated else None
    )
    feed_analyser = AnalyserFeed(analyzer) if analyzer is not None else None
    decoded = 0
    start = time.thread_time()
    for packet in packets:
        recorder.add(packet)  # the pre-roll ring is kept whether or not anything is gated
        for item in [packet] if feed is None else feed.packets_for(packet):
            pictures = decoder.decode(item)
            decoded += decoder.decoded
            if feed is not None and not feed.decoded(decoder.picture_changed_at):
                continue
            for picture in pictures:
                if feed_analyser is not None:
                    feed_analyser(picture)
                elif picture.due:
                    picture.bgr()
    return _HubPass(time.thread_time() - start, decoded)


def measure_saturated(
    clip: Path, analyzer_factory: str, gated: bool = False, repeats: int = 3
) -> SaturatedCosts:
    """The three sides' median costs over `repeats` interleaved passes over `clip`; `gated`
    puts the hub's sides behind the activity gate, as `--scene cctv` does."""
    cv2.setNumThreads(1)  # as in a worker: one camera's worth of CPU per thread
    packets = read_packets(clip)
    if len(packets) < 2:
        raise CameraError("bench", f"{clip} has too few video packets to time")
    # The span of the packets' timestamps plus one frame.
    stream_s = (packets[-1].t - packets[0].t) * len(packets) / (len(packets) - 1)
    factory = load_factory(analyzer_factory)
    camera = CameraConfig(
        id="bench", name="bench", source=str(clip), grid="bench", location=(0.0, 0.0)
    )
    times: dict[str, list[float]] = {"baseline": [], "ingest": [], "hub": []}
    decoded = 0
    for _ in range(repeats):
        times["baseline"].append(_baseline(packets))
        times["ingest"].append(_hub(packets, None, gated).cpu_s)
        # A fresh analyser each pass: every pass sees the clip from its start.
        hub = _hub(packets, factory(camera, DetectorConfig()), gated)
        times["hub"].append(hub.cpu_s)
        decoded = hub.decoded
    ms = {name: statistics.median(t) * 1000 / stream_s for name, t in times.items()}
    return SaturatedCosts(
        baseline_ms=ms["baseline"],
        ingest_ms=ms["ingest"],
        hub_ms=ms["hub"],
        stream_s=stream_s,
        decoded_fraction=decoded / len(packets),
    )
