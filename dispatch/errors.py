"""The dispatch package's exceptions.

::

    DispatchError                  root: catch this to catch anything dispatch raises
    ├── DispatchConfigError        grid or teams in the township file are inconsistent (author)
    ├── CommandRejected            a phone or console sent a command that cannot apply (client)
    │   └── UnknownIncident        … about an incident dispatch does not know
    ├── GatewayError               the webhook gateway misbehaved (peer); retried, then reported
    └── DispatchBug                an invariant of our own code broke (our bug, never the peer's)

The pure cores raise `DispatchConfigError`, `CommandRejected` and `DispatchBug`; only the webhook
adapter raises `GatewayError`.
"""

from __future__ import annotations


class DispatchError(Exception):
    """Root of every error the dispatch package raises."""


class DispatchConfigError(DispatchError):
    """The configured grid or teams cannot be used: duplicate codes, bad polygons, bad levels."""


class CommandRejected(DispatchError):
    """A client command is well-formed JSON but does not apply (wrong team, unknown call…)."""


class UnknownIncident(CommandRejected):
    """The command or request names an incident dispatch has not seen opened."""


class GatewayError(DispatchError):
    """The SMS/voice gateway answered with an error or did not answer."""

    def __init__(self, message: str, *, status: int | None = None, retry: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retry = retry


class DispatchBug(DispatchError):
    """Our own invariant broke; the message says which one."""
