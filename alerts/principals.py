"""Who is connected: principals, the token directory, and what each principal may see.

The composition root builds one `Principal` per user (operators, leaders, admins) and per team
member (responders) and hands the list to a `Directory`. Visibility, in one place:

- a responder sees an event only if their team is in the event's `audience_teams`;
- anyone else sees it if their `scope_cells` is None (everything) or contains the event's `grid`
  (the composition root expands a user's configured cells with their sub-cells).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from alerts.errors import Forbidden
from alerts.events import Event
from alerts.lifecycle import Actor, Incident

Role = Literal["operator", "responder", "leader", "admin"]


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    role: Role
    name: str
    token: str = field(repr=False)
    scope_cells: frozenset[str] | None = None
    team_id: str | None = None
    language: str = "zh"

    def __post_init__(self) -> None:
        if (self.role == "responder") != (self.team_id is not None):
            raise ValueError(f"principal {self.id}: a responder, and only a responder, has a team")

    @property
    def actor(self) -> Actor:
        prefix = "member" if self.role == "responder" else "user"
        return Actor(f"{prefix}:{self.id}", self.role, self.team_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "name": self.name,
            "scope_cells": None if self.scope_cells is None else sorted(self.scope_cells),
            "team_id": self.team_id,
            "language": self.language,
        }


def sees(principal: Principal, grid: str | None, teams: tuple[str, ...]) -> bool:
    if principal.role == "responder":
        return principal.team_id in teams
    return principal.scope_cells is None or grid in principal.scope_cells


def sees_event(principal: Principal, event: Event) -> bool:
    return sees(principal, event.grid, event.audience_teams)


def sees_incident(principal: Principal, incident: Incident) -> bool:
    return sees(principal, incident.grid, incident.teams)


def _digest(token: str) -> bytes:
    # Look tokens up by digest so the dict comparison never runs on the secret itself.
    return hashlib.sha256(token.encode()).digest()


class Directory:
    def __init__(self, principals: Iterable[Principal]) -> None:
        self._by_token: dict[bytes, Principal] = {}
        for p in principals:
            key = _digest(p.token)
            if key in self._by_token:
                raise ValueError(f"principals {self._by_token[key].id} and {p.id} share a token")
            self._by_token[key] = p

    def authenticate(self, token: str | None) -> Principal:
        found = None if not token else self._by_token.get(_digest(token))
        if found is None:
            raise Forbidden("missing or unknown token")
        return found
