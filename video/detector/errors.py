"""The detector package's errors, under one root.

    DetectorError
    ├── DetectorUsageError   the caller's bug: an unknown stage name, a frame that is not HxWx3
    └── ClipReadError        a clip file misbehaved: cannot be opened or decoded (eval, bench)

The pure detector raises only DetectorUsageError.
"""


class DetectorError(Exception):
    """Root of the detector's errors."""


class DetectorUsageError(DetectorError, ValueError):
    """The detector was called wrongly (unknown stage, malformed frame)."""


class ClipReadError(DetectorError):
    """A clip cannot be opened or decoded: the file misbehaved, not the detector."""
