"""Errors of the ingest package.

IngestError                 root: anything the ingest raises on purpose
├── CameraError             the camera (or the network to it) misbehaved: refused, timed
│                           out, sent garbage, ended; counted and retried, never fatal
└── WorkerError             our side failed: a worker process died or could not start
"""

from __future__ import annotations


class IngestError(Exception):
    """Root of every error the ingest package raises on purpose."""


class CameraError(IngestError):
    """The camera or the path to it misbehaved; the pipeline reconnects with backoff."""

    def __init__(self, camera_id: str, message: str) -> None:
        super().__init__(f"camera {camera_id}: {message}")
        self.camera_id = camera_id
        self.reason = message


class WorkerError(IngestError):
    """A worker process failed: a bug or resource problem on our side, not the camera's."""
