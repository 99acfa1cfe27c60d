"""The typed messages of the delivery protocol (docs/protocol.md), version 1.

Client → server: `ack`, `action`, `command` (pydantic models, `extra="forbid"`, `v` must be 1).
Server → client: events are `Event.encode()` text (they carry a `seq`); control frames
(`hello`, `replayed`, `heartbeat`, `result`, `error`) never carry a `seq`, so a client tells
them apart by that key alone.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from alerts.errors import ClientError, MessageError

PROTOCOL_VERSION = 1
M = TypeVar("M", bound="Message")
RequestId = Annotated[str, Field(min_length=1, max_length=64)]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1]


class Ack(Message):
    """The client has everything up to and including `seq`."""

    type: Literal["ack"]
    seq: int = Field(ge=0)


class ActionRequest(Message):
    """An incident action; over HTTP the incident id is in the path."""

    action: str = Field(min_length=1, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict)


class Action(ActionRequest):
    type: Literal["action"]
    id: RequestId | None = None
    incident_id: str = Field(min_length=1, max_length=80)


class CommandRequest(Message):
    """A command routed to the handler another package registered under `name`."""

    name: str = Field(min_length=1, max_length=32)
    incident_id: str | None = Field(None, min_length=1, max_length=80)
    data: dict[str, Any] = Field(default_factory=dict)


class Command(CommandRequest):
    type: Literal["command"]
    id: RequestId | None = None


ClientMessage = Annotated[Ack | Action | Command, Field(discriminator="type")]
_CLIENT = TypeAdapter[Ack | Action | Command](ClientMessage)


def _problem(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "message"
    return f"{where}: {first['msg']}"


def parse_client(text: str | bytes) -> Ack | Action | Command:
    try:
        return _CLIENT.validate_json(text)
    except ValidationError as err:
        raise MessageError(_problem(err)) from None


def parse_model(model: type[M], text: str | bytes) -> M:
    try:
        return model.model_validate_json(text)
    except ValidationError as err:
        raise MessageError(_problem(err)) from None


def _frame(type_: str, **fields: Any) -> str:
    return json.dumps(
        {"v": PROTOCOL_VERSION, "type": type_, **fields}, ensure_ascii=False, separators=(",", ":")
    )


def hello(
    principal: dict[str, Any],
    since: int | None,
    last_seq: int,
    acked: int | None,
    heartbeat_s: float,
) -> str:
    return _frame(
        "hello",
        principal=principal,
        since=since,
        last_seq=last_seq,
        acked=acked,
        heartbeat_s=heartbeat_s,
    )


def replayed(through: int) -> str:
    return _frame("replayed", through=through)


def heartbeat(time: float, through: int) -> str:
    """Everything up to `through` that the client may see has been written before this."""
    return _frame("heartbeat", time=time, through=through)


def result(ref: str | None, events: list[int], data: dict[str, Any] | None = None) -> str:
    return _frame("result", ref=ref, ok=True, events=events, data=data or {})


def error(err: ClientError, ref: str | None = None) -> str:
    return _frame("error", code=err.code, message=str(err), ref=ref)
