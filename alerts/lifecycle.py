"""The incident lifecycle: all state logic of one incident lives in this file.

    triggered ─verify→ verified ─dispatch→ dispatched ─respond→ responding ─arrive→ on_scene
    triggered ─dispatch→ dispatched ─arrive→ on_scene          (skipping what was not reported)
    triggered, verified ─false_alarm→ resolved                  (outcome false_alarm)
    dispatched, responding, on_scene ─resolve→ resolved         (extinguished | false_alarm | drill)
    dispatched, responding, on_scene ─assign→ the same state    (new responder teams)

`TRANSITIONS[state][action]` is the next state; an action missing from a state's row is refused
with a reason saying what the state allows. `ACTION_ROLES` says who may take each action.
`false_alarm` ends an unverified or verified incident with outcome `false_alarm`; `resolve` ends
a dispatched one with an outcome (`extinguished`, `false_alarm`, `drill`). `assign` changes the
responder teams without changing the state. Pure: no clock, no I/O; callers pass `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

from alerts.errors import Forbidden, TransitionRefused
from video.detection import MessageFormatError

State = Literal["triggered", "verified", "dispatched", "responding", "on_scene", "resolved"]
Action = Literal["verify", "false_alarm", "dispatch", "respond", "arrive", "resolve", "assign"]
Outcome = Literal["extinguished", "false_alarm", "drill"]
ActorRole = Literal["operator", "responder", "leader", "admin", "system"]
TimerName = Literal["response", "arrival", "control"]

STATES: tuple[State, ...] = get_args(State)
ACTIONS: tuple[Action, ...] = get_args(Action)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

TRANSITIONS: Mapping[State, Mapping[Action, State]] = {
    "triggered": {"verify": "verified", "false_alarm": "resolved", "dispatch": "dispatched"},
    "verified": {"false_alarm": "resolved", "dispatch": "dispatched"},
    "dispatched": {
        "respond": "responding",
        "arrive": "on_scene",
        "resolve": "resolved",
        "assign": "dispatched",
    },
    "responding": {"arrive": "on_scene", "resolve": "resolved", "assign": "responding"},
    "on_scene": {"resolve": "resolved", "assign": "on_scene"},
    "resolved": {},
}

_DESK: frozenset[ActorRole] = frozenset({"operator", "leader", "admin"})
ACTION_ROLES: Mapping[Action, frozenset[ActorRole]] = {
    "verify": _DESK,
    "false_alarm": _DESK,
    "dispatch": _DESK | {"system"},
    "assign": _DESK | {"system"},
    "respond": _DESK | {"responder", "system"},
    "arrive": _DESK | {"responder", "system"},
    "resolve": _DESK | {"responder", "system"},
}

# The state whose reaching stops each 1-3-5 timer (any later state stops it too).
TIMER_GOAL: Mapping[TimerName, State] = {
    "response": "responding",
    "arrival": "on_scene",
    "control": "resolved",
}
_RANK = {state: i for i, state in enumerate(STATES)}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes an action: `id` is the wire form ("system", "user:ID", "member:ID")."""

    id: str
    role: ActorRole
    team_id: str | None = None


SYSTEM = Actor("system", "system")


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    state: State
    opened_at: float
    updated_at: float
    grid: str
    kind: str
    camera_id: str
    camera_name: str
    location: tuple[float, float]
    confidence: float
    last_detection_at: float
    cameras: tuple[str, ...]
    detections: tuple[str, ...]
    snapshots: tuple[str, ...] = ()
    clips: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    outcome: Outcome | None = None
    reached: Mapping[str, float] = field(default_factory=dict)
    breaches: tuple[TimerName, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.state != "resolved"

    def has_reached(self, state: State) -> bool:
        return _RANK[self.state] >= _RANK[state]

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "id": self.id,
            "state": self.state,
            "opened_at": self.opened_at,
            "updated_at": self.updated_at,
            "grid": self.grid,
            "kind": self.kind,
            "camera_id": self.camera_id,
            "camera_name": self.camera_name,
            "location": list(self.location),
            "confidence": self.confidence,
            "last_detection_at": self.last_detection_at,
            "cameras": list(self.cameras),
            "detections": list(self.detections),
            "snapshots": list(self.snapshots),
            "clips": list(self.clips),
            "teams": list(self.teams),
            "outcome": self.outcome,
            "reached": dict(self.reached),
            "breaches": list(self.breaches),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Incident:
        if obj.get("v") != 1 or obj.get("state") not in STATES:
            raise MessageFormatError(f"expected incident v1, got {obj!r:.120}")
        lon, lat = obj["location"]
        return cls(
            id=str(obj["id"]),
            state=obj["state"],
            opened_at=float(obj["opened_at"]),
            updated_at=float(obj["updated_at"]),
            grid=str(obj["grid"]),
            kind=str(obj["kind"]),
            camera_id=str(obj["camera_id"]),
            camera_name=str(obj["camera_name"]),
            location=(float(lon), float(lat)),
            confidence=float(obj["confidence"]),
            last_detection_at=float(obj["last_detection_at"]),
            cameras=tuple(obj["cameras"]),
            detections=tuple(obj["detections"]),
            snapshots=tuple(obj["snapshots"]),
            clips=tuple(obj["clips"]),
            teams=tuple(obj["teams"]),
            outcome=obj["outcome"],
            reached={str(k): float(v) for k, v in obj["reached"].items()},
            breaches=tuple(obj["breaches"]),
        )


@dataclass(frozen=True, slots=True)
class Transition:
    """The decision for one action: the incident after it and what the timeline records."""

    incident: Incident
    data: dict[str, Any]


def _teams(data: Mapping[str, Any], action: Action, state: State) -> tuple[str, ...]:
    teams = data.get("teams")
    if not isinstance(teams, list) or not all(isinstance(t, str) for t in teams):
        raise TransitionRefused(state, action, "data.teams must be a list of team ids")
    return tuple(dict.fromkeys(teams))


def _outcome(data: Mapping[str, Any], action: Action, state: State) -> Outcome:
    if action == "false_alarm":
        return "false_alarm"
    outcome = data.get("outcome")
    if outcome not in OUTCOMES:
        raise TransitionRefused(state, action, f"data.outcome must be one of {list(OUTCOMES)}")
    return outcome  # type: ignore[no-any-return]


def check_allowed(incident: Incident, action: str, actor: Actor) -> Action:
    """The action if `actor` may take it now; else why not, naming state and action."""
    row = TRANSITIONS[incident.state]
    if action not in ACTIONS:
        raise TransitionRefused(incident.state, action, f"unknown action; known: {list(ACTIONS)}")
    if action not in row:
        allowed: list[str] = sorted(row) or ["nothing: the incident is closed"]
        raise TransitionRefused(incident.state, action, f"allowed: {allowed}")
    act: Action = action
    if actor.role not in ACTION_ROLES[act]:
        raise Forbidden(f"a {actor.role} may not {action!r} an incident")
    if actor.role == "responder" and actor.team_id not in incident.teams:
        raise Forbidden(f"team {actor.team_id!r} is not assigned to incident {incident.id}")
    return act


def apply(
    incident: Incident, action: str, actor: Actor, data: Mapping[str, Any], now: float
) -> Transition:
    """The incident after `actor` takes `action` at `now`; raises if refused."""
    act = check_allowed(incident, action, actor)
    target = TRANSITIONS[incident.state][act]
    changes: dict[str, Any] = {"state": target, "updated_at": now}
    record: dict[str, Any] = {"from": incident.state, "to": target, "action": act}
    if act in ("dispatch", "assign"):
        keep = act == "dispatch" and "teams" not in data
        teams = incident.teams if keep else _teams(data, act, incident.state)
        changes["teams"] = teams
        record["teams"] = list(teams)
    if target == "resolved":
        outcome = _outcome(data, act, incident.state)
        changes["outcome"] = outcome
        record["outcome"] = outcome
    if target != incident.state and target not in incident.reached:
        changes["reached"] = {**incident.reached, target: now}
    note = data.get("note")
    if isinstance(note, str) and note:
        record["note"] = note[:500]
    return Transition(replace(incident, **changes), record)


def due_breaches(
    incident: Incident, limits: Mapping[TimerName, float], now: float
) -> list[TimerName]:
    """The 1-3-5 timers that ran out by `now` without their goal state reached, once each."""
    due: list[TimerName] = []
    for timer, goal in TIMER_GOAL.items():
        if timer in incident.breaches or incident.has_reached(goal):
            continue
        if now - incident.opened_at >= limits[timer]:
            due.append(timer)
    return due
