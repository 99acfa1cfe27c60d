"""The event envelope: every incident, dispatch and camera event that firegrid delivers.

One append-only stream per hub. An event is created without a `seq`; storage assigns the next
`seq` when it appends, and from then on the event is immutable. Clients resume with `since=seq`.

JSON form (version 1)::

    {"v": 1, "seq": 42, "id": "…", "type": "incident.opened", "time": 1764500000.123,
     "incident_id": "inc-…" | null, "grid": "cell code" | null, "actor": "system" | "user:ID" |
     "member:ID", "audience_teams": ["team id", …], "data": {…}}

`grid` scopes the event for operators and leaders (they see events of their cells and the cells
below). `audience_teams` names the responder teams an event concerns (a responder sees only
those); empty means no responder sees it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from video.detection import MessageFormatError

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    time: float
    actor: str
    data: dict[str, Any]
    id: str
    incident_id: str | None = None
    grid: str | None = None
    audience_teams: tuple[str, ...] = field(default_factory=tuple)
    seq: int | None = None

    def with_seq(self, seq: int) -> Event:
        return replace(self, seq=seq)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "seq": self.seq,
            "id": self.id,
            "type": self.type,
            "time": self.time,
            "incident_id": self.incident_id,
            "grid": self.grid,
            "actor": self.actor,
            "audience_teams": list(self.audience_teams),
            "data": self.data,
        }

    def encode(self) -> str:
        """The wire text; serialise once and send the same string to every client."""
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Event:
        if obj.get("v") != SCHEMA_VERSION:
            raise MessageFormatError(f"expected event v{SCHEMA_VERSION}, got {obj!r:.120}")
        seq = obj.get("seq")
        return cls(
            type=str(obj["type"]),
            time=float(obj["time"]),
            actor=str(obj["actor"]),
            data=dict(obj["data"]),
            id=str(obj["id"]),
            incident_id=obj.get("incident_id"),
            grid=obj.get("grid"),
            audience_teams=tuple(str(t) for t in obj.get("audience_teams", [])),
            seq=None if seq is None else int(seq),
        )

    @classmethod
    def decode(cls, text: str | bytes) -> Event:
        return cls.from_json(json.loads(text))
