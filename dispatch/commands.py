"""Commands from phones and the console, as typed payloads.

A command arrives as a name and a JSON object (over the hub's websocket or HTTP); `parse` turns
it into one of the models below or raises `CommandRejected` saying what is wrong. Members (phones)
may send `accept`, `decline`, `location`, `arrived` and `set_duty` for their own team; users
(operators, leaders, admins at the console) may send `add_team`, `remove_team` and `set_duty`
for any team.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dispatch.config import Coordinate, Identifier
from dispatch.errors import CommandRejected

IncidentId = Annotated[str, Field(min_length=1, max_length=128)]
Role = Literal["member", "user"]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Accept(Command):
    incident_id: IncidentId


class Decline(Command):
    incident_id: IncidentId
    reason: str = Field("", max_length=200)


class Arrived(Command):
    incident_id: IncidentId


class Location(Command):
    location: Coordinate
    at: float | None = Field(None, description="time of the fix (epoch s); default: received")
    accuracy_m: float | None = Field(None, ge=0)


class AddTeam(Command):
    incident_id: IncidentId
    team_id: Identifier


class RemoveTeam(Command):
    incident_id: IncidentId
    team_id: Identifier


class SetDuty(Command):
    on_duty: bool
    busy: bool = False
    team_id: Identifier | None = Field(None, description="required from users; members: own team")


COMMANDS: dict[str, tuple[type[Command], frozenset[Role]]] = {
    "accept": (Accept, frozenset({"member"})),
    "decline": (Decline, frozenset({"member"})),
    "arrived": (Arrived, frozenset({"member"})),
    "location": (Location, frozenset({"member"})),
    "add_team": (AddTeam, frozenset({"user"})),
    "remove_team": (RemoveTeam, frozenset({"user"})),
    "set_duty": (SetDuty, frozenset({"member", "user"})),
}


def parse(name: str, payload: object, role: Role) -> Command:
    try:
        model, roles = COMMANDS[name]
    except KeyError:
        raise CommandRejected(f"unknown dispatch command {name!r}") from None
    if role not in roles:
        raise CommandRejected(f"a {role} may not send {name!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'payload'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CommandRejected(f"bad {name!r} payload: {problems}") from None
