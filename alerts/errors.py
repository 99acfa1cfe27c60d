"""Every error the alerts package raises derives from `AlertsError`.

    AlertsError
    ├── ClientError          the peer (a user, a client, another package's caller) broke a rule
    │   ├── TransitionRefused    an incident action not allowed in the incident's state
    │   ├── Forbidden            the principal's role or scope does not allow it
    │   ├── NotFound             no such incident, media file or command
    │   ├── MessageError         a client message that is not valid JSON of the schema
    │   └── CommandRefused       a registered command handler said no (with its reason)
    └── StorageError         the event store failed (disk, Redis): our side, not the client's

The pure lifecycle core raises only `TransitionRefused` and `Forbidden`. Anything else escaping
the package is a bug.
"""

from __future__ import annotations


class AlertsError(Exception):
    """Root of the alerts package's errors."""


class ClientError(AlertsError):
    """The peer misbehaved; the message says what to fix. `code` names the problem on the wire."""

    code = "bad_request"


class TransitionRefused(ClientError):
    code = "transition_refused"

    def __init__(self, state: str, action: str, reason: str) -> None:
        super().__init__(f"cannot {action!r} an incident that is {state!r}: {reason}")
        self.state = state
        self.action = action
        self.reason = reason


class Forbidden(ClientError):
    code = "forbidden"


class NotFound(ClientError):
    code = "not_found"


class MessageError(ClientError):
    code = "malformed"


class CommandRefused(ClientError):
    code = "command_refused"


class StorageError(AlertsError):
    """The event store could not do what was asked; nothing was acknowledged."""
