"""Alarm media: a JPEG snapshot with the detection box drawn, and an MP4 clip remuxed from the
encoded packets of the pre-roll and post-roll (no re-encoding: a clip costs milliseconds).

Files live under `<data_dir>/media/<camera_id>/`, named by the detection id, so the hub can serve
them over HTTP without a lookup table.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import av
import cv2

from video.analyzer import BgrImage
from video.detection import Box
from video.ingest.ring import EncodedPacket

BOX_COLOUR = (0, 0, 255)  # red, BGR
JPEG_QUALITY = 85
H264_SPS = 7


def media_dir(data_dir: Path, camera_id: str) -> Path:
    return data_dir / "media" / camera_id


def snapshot_path(data_dir: Path, camera_id: str, detection_id: str) -> Path:
    return media_dir(data_dir, camera_id) / f"{detection_id}.jpg"


def clip_path(data_dir: Path, camera_id: str, detection_id: str) -> Path:
    return media_dir(data_dir, camera_id) / f"{detection_id}.mp4"


def write_snapshot(path: Path, frame_bgr: BgrImage, box: Box) -> Path:
    """Write `frame_bgr` as a JPEG with `box` (0..1 coordinates) drawn on a copy."""
    height, width = frame_bgr.shape[:2]
    image = frame_bgr.copy()
    top_left = (int(box.x * width), int(box.y * height))
    bottom_right = (int((box.x + box.w) * width), int((box.y + box.h) * height))
    thickness = max(2, width // 320)
    cv2.rectangle(image, top_left, bottom_right, BOX_COLOUR, thickness)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise OSError(f"JPEG encoding failed for {path}")
    _write_atomically(path, encoded.tobytes())
    return path


def write_clip(path: Path, packets: Sequence[EncodedPacket]) -> Path:
    """Remux `packets` (starting at a keyframe, one stream) into an MP4 at `path`."""
    if not packets or not packets[0].keyframe:
        raise ValueError("a clip must start at a keyframe")
    info = packets[0].stream
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mp4")
    base = packets[0].dts
    with av.open(str(partial), "w", format="mp4") as out:
        stream = out.add_mux_stream(info.codec, width=info.width, height=info.height)
        stream.time_base = info.time_base
        last_dts: int | None = None
        durations = _durations(packets)
        for index, item in enumerate(packets):
            data = item.data
            if index == 0 and _needs_parameter_sets(item):
                # Parameter sets only in the SDP: put them in front of the first keyframe so
                # the MP4 muxer and every player can find them.
                data = (info.extradata or b"") + data
            packet = av.Packet(data)
            # The muxer needs strictly increasing DTS; repair the odd camera that repeats one.
            dts = item.dts - base
            if last_dts is not None and dts <= last_dts:
                dts = last_dts + 1
            last_dts = dts
            packet.dts = dts
            packet.pts = max(item.pts - base, dts)
            packet.time_base = info.time_base
            # Without durations the muxer's edit list ends at the last packet's start and
            # players discard the last frame.
            packet.duration = durations[index]
            packet.is_keyframe = item.keyframe
            packet.stream = stream
            out.mux(packet)
    os.replace(partial, path)
    return path


def _durations(packets: Sequence[EncodedPacket]) -> list[int]:
    steps = [max(1, b.dts - a.dts) for a, b in itertools.pairwise(packets)]
    return [*steps, steps[-1] if steps else 1]


def _needs_parameter_sets(packet: EncodedPacket) -> bool:
    info = packet.stream
    return bool(info.extradata) and info.codec == "h264" and not _has_sps(packet.data)


def _has_sps(data: bytes) -> bool:
    """Whether an Annex B H.264 access unit carries a sequence parameter set."""
    index = data.find(b"\x00\x00\x01")
    while index != -1 and index + 3 < len(data):
        if data[index + 3] & 0x1F == H264_SPS:
            return True
        index = data.find(b"\x00\x00\x01", index + 3)
    return False


def _write_atomically(path: Path, content: bytes) -> None:
    # The hub may serve the file the moment the message arrives: never expose a partial one.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(content)
    os.replace(partial, path)
