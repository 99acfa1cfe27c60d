"""One camera's pipeline: a demux thread that fans packets out, and a decode thread that feeds
the analyser.

    demux thread ──► clip recorder (pre-roll ring + pending clips) ──► clip writer
        │        ──► live relay (viewers)
        └──────────► bounded inbox (batches) ──► decode thread ──► analyser ──► detections

The demux thread never waits for anyone: when the decoder falls behind and its inbox is full,
packets are dropped until the next keyframe (a decoder cannot resume mid-GOP) and every dropped
frame is counted. The decode thread decodes every packet it gets (a P-frame needs its
predecessors) but converts only the frames the analyser asks for, straight to its small BGR size.
With the activity gate, the demux thread holds back the P-frames of a still scene, and the
decode thread compares the keyframes it still gets (`video.ingest.keyframes`) to wake the gate,
and analyses frames only while the gate is awake.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import av

from video.analyzer import Alarm, BgrImage, FrameAnalyzer
from video.config import CameraConfig, IngestConfig
from video.detection import CameraHealth, ClipReady, Detection
from video.ingest.decoder import FrameDecoder
from video.ingest.errors import CameraError
from video.ingest.frames import AnalyserFeed, DecodedPicture
from video.ingest.gate import ActivityGate, GatedFeed
from video.ingest.glibc import name_os_thread
from video.ingest.health import HealthMachine, HealthPolicy
from video.ingest.inbox import DecodeInbox
from video.ingest.keyframes import KeyframeChange
from video.ingest.media import snapshot_path, write_snapshot
from video.ingest.recorder import ClipRecorder, FinishedClip
from video.ingest.relay import PacketRelay
from video.ingest.ring import EncodedPacket
from video.ingest.source import PacketSource
from video.ingest.stats import DecodeStats, WorkerReport

log = logging.getLogger(__name__)

Message = Detection | ClipReady | CameraHealth | WorkerReport
Emit = Callable[[Message], None]
SubmitClip = Callable[[str, FinishedClip], None]
Clock = Callable[[], float]

# About five seconds of 25 fps video between demux and decode (room for a catch-up burst of one
# group of pictures); beyond it the decoder is behind.
DECODE_QUEUE_PACKETS = 128


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    ingest: IngestConfig
    data_dir: Path
    clock: Clock = time.time


class CameraPipeline:
    """The threads and state of one camera inside a worker process."""

    def __init__(
        self,
        camera: CameraConfig,
        analyzer: FrameAnalyzer,
        settings: PipelineSettings,
        emit: Emit,
        submit_clip: SubmitClip,
    ) -> None:
        self.camera = camera
        self.relay = PacketRelay()
        self._analyzer = analyzer
        self._analyser_feed = AnalyserFeed(analyzer)
        self._settings = settings
        self._clock = settings.clock
        self._emit = emit
        self._submit_clip = submit_clip
        self._stop = threading.Event()
        # One lock for the state both threads touch: health counters and the clip recorder.
        self._lock = threading.Lock()
        self._health = HealthMachine(
            camera.id,
            HealthPolicy.from_config(settings.ingest),
            settings.clock(),
            random.Random(),
        )
        self._recorder = ClipRecorder(settings.ingest.preroll_s, settings.ingest.postroll_s)
        self._inbox = DecodeInbox(DECODE_QUEUE_PACKETS, self._stop)
        self._skip_to_keyframe = False
        gate = ActivityGate() if settings.ingest.activity_gate else None
        self._feed = GatedFeed(gate, self._recorder.ring) if gate is not None else None
        self._decoded_frames = 0
        self._threads = [
            threading.Thread(target=self._demux_loop, name=f"demux-{camera.id}", daemon=True),
            threading.Thread(target=self._decode_loop, name=f"decode-{camera.id}", daemon=True),
        ]

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop both threads; a read blocked on a frozen camera ends at the read timeout."""
        self._stop.set()
        self._inbox.close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            finished = self._recorder.flush()
        for clip in finished:
            self._submit_clip(self.camera.id, clip)

    def tick(self, report: bool) -> tuple[CameraHealth, DecodeStats] | None:
        """Called periodically by the worker: time-based transitions go out at once; on a
        report tick, returns this camera's part of the worker's report instead."""
        now = self._clock()
        with self._lock:
            changed = self._health.tick(now)
            # Only the periodic reports start a new window for the rates.
            health = self._health.report(now, advance=report) if changed or report else None
        if health is None:
            return None
        if not report:
            self._emit(health)
            return None
        return health, self.decode_stats()

    def seconds_to_next_check(self) -> float:
        """How long `tick` can wait without missing a state change (inf: as long as it likes)."""
        with self._lock:
            return self._health.next_check() - self._clock()

    def decode_stats(self) -> DecodeStats:
        with self._lock:
            return DecodeStats(
                camera_id=self.camera.id,
                packets=self._health.packets,
                decoded_frames=self._decoded_frames,
                resolution_changes=self._health.resolution_changes,
                keyframes_only=self._feed is not None and not self._feed.gate.active,
            )

    def status(self) -> CameraHealth:
        """The health now, without starting a new rate window for the periodic reports."""
        with self._lock:
            return self._health.report(self._clock(), advance=False)

    @property
    def resolution_changes(self) -> int:
        with self._lock:
            return self._health.resolution_changes

    # -- demux thread ----------------------------------------------------------------------

    def _demux_loop(self) -> None:
        name_os_thread(f"demux-{self.camera.id}")
        ingest = self._settings.ingest
        while not self._stop.is_set():
            with self._lock:
                self._health.connect_attempt()
            source = PacketSource(
                self.camera.id,
                self.camera.source,
                ingest.open_timeout_s,
                ingest.read_timeout_s,
                self._stop,
                # Without a viewer, reads pause longer; each pause hands the decoder its batch.
                watched=lambda: self.relay.subscribers > 0,
                on_pause=self._paused,
            )
            try:
                source.open()
                for packet in source.packets():
                    self._fan_out(packet)
            except CameraError as exc:
                log.info("%s", exc)
                self._lost(exc.reason)
            finally:
                source.close()

    def _fan_out(self, packet: EncodedPacket) -> None:
        now = self._clock()
        with self._lock:
            changed = self._health.packet(now, len(packet.data), packet.t)
            finished = self._recorder.add(packet)
            health = self._health.report(now, advance=False) if changed else None
            to_decode = self._gated(packet)
        if health is not None:
            self._emit(health)
        for clip in finished:
            self._submit_clip(self.camera.id, clip)
        self.relay.publish(packet)
        for item in to_decode:
            self._to_decoder(item)

    def _gated(self, packet: EncodedPacket) -> list[EncodedPacket]:
        """The packets the decoder needs now (called with the lock held: reads the ring)."""
        return [packet] if self._feed is None else self._feed.packets_for(packet)

    def _to_decoder(self, packet: EncodedPacket) -> None:
        if self._skip_to_keyframe and not packet.keyframe:
            with self._lock:
                self._health.dropped()
            return
        if self._inbox.offer(packet):
            self._skip_to_keyframe = False
            return
        self._skip_to_keyframe = True
        with self._lock:
            self._health.dropped()

    def _paused(self, pause_s: float) -> None:
        self._inbox.release()
        now = self._clock()
        with self._lock:
            self._health.pausing(now, pause_s)

    def _lost(self, reason: str) -> None:
        now = self._clock()
        with self._lock:
            delay = self._health.lost(now, reason)
            finished = self._recorder.flush()
            health = self._health.report(now, advance=False)
        self._emit(health)
        for clip in finished:
            self._submit_clip(self.camera.id, clip)
        self._stop.wait(delay)

    # -- decode thread ---------------------------------------------------------------------

    def _decode_loop(self) -> None:
        name_os_thread(f"decode-{self.camera.id}")
        decoder = FrameDecoder(
            self._analyzer.analysis_width,
            self._analyzer.analysis_fps,
            KeyframeChange() if self._feed is not None else None,
        )
        while (batch := self._inbox.collect()) is not None:
            for packet in batch:
                if self._stop.is_set():
                    return  # a busy decoder stops at once too
                self._decode_one(decoder, packet)

    def _decode_one(self, decoder: FrameDecoder, packet: EncodedPacket) -> None:
        try:
            frames = decoder.decode(packet)
        except av.FFmpegError:
            with self._lock:
                self._health.decode_error()
            return
        # Only this thread writes it, and readers tolerate a count one packet old.
        self._decoded_frames += decoder.decoded
        if decoder.resolution_changed or decoder.corrupt_frames:
            with self._lock:
                if decoder.resolution_changed:
                    self._health.resolution_changed()
                for _ in range(decoder.corrupt_frames):
                    self._health.decode_error()
        if self._feed is not None:
            with self._lock:
                analysing = self._feed.decoded(decoder.picture_changed_at)
            if not analysing:
                return
        for picture in frames:
            self._analyse(picture)

    def _analyse(self, picture: DecodedPicture) -> None:
        frame, t = picture.frame, picture.t
        try:
            analysed = self._analyser_feed(picture)
        except Exception:
            # The analyser's bug, not the camera's: keep the camera running and say so.
            log.exception("analyser failed on camera %s", self.camera.id)
            analysed = None
        if analysed is None:
            return  # not due, declined by the analyser, or the analyser failed
        with self._lock:
            self._health.analysed(t)
        for alarm in analysed[1]:
            self._raise(alarm, frame, t)

    def _raise(self, alarm: Alarm, frame: av.VideoFrame, t: float) -> None:
        detection_id = uuid.uuid4().hex
        path = snapshot_path(self._settings.data_dir, self.camera.id, detection_id)
        snapshot: str | None = str(path)
        try:
            # Full resolution for the person who looks at it; alarms are rare, so this is cheap.
            write_snapshot(path, cast(BgrImage, frame.to_ndarray(format="bgr24")), alarm.box)
        except OSError:
            log.exception("cannot write snapshot %s", path)
            snapshot = None
        self._emit(
            Detection(
                id=detection_id,
                camera_id=self.camera.id,
                kind=alarm.kind,
                box=alarm.box,
                confidence=alarm.confidence,
                evidence=alarm.evidence,
                t=t,
                wall_time=self._clock(),
                snapshot=snapshot,
            )
        )
        with self._lock:
            self._recorder.request(detection_id, t)
