"""Video ingest: one RTSP session per camera, shared by the detector, the recorder and live view.

Layout (data flows top to bottom):

- `source`: opens an RTSP/RTSPS URL (TCP, short probing, open/read timeouts) or a file (played
  at its native pace, looped) and yields timestamped encoded packets.
- `camera`: one demux thread per camera fans packets out to the decode thread (`decoder`, which
  feeds the analyser), the clip `recorder` (over the pre-roll `ring`) and the live `relay`;
  `gate` optionally limits decoding to keyframes while the scene is still.
- `health`: the pure camera health state machine, its counters and reconnection backoff.
- `media`: JPEG snapshots and MP4 clips remuxed from encoded packets.
- `worker`: the process that runs a shard of cameras; only typed messages leave it
  (`video.detection` messages and the ingest's own `stats`).
- `supervisor`: the asyncio adapter the hub uses; `routes` and `metrics` serve status over HTTP.
- `errors`: `IngestError`, split into `CameraError` (the camera misbehaved) and `WorkerError`.
- `bench_parts`, `bench_measure`: clips and measurements of `firegrid bench ingest`.
"""
