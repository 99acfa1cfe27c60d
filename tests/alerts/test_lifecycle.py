"""The incident state machine: table-driven transitions, refusals, roles; property-tested."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.errors import Forbidden, TransitionRefused
from alerts.lifecycle import (
    ACTION_ROLES,
    ACTIONS,
    STATES,
    SYSTEM,
    TRANSITIONS,
    Actor,
    Incident,
    TimerName,
    apply,
    due_breaches,
)

OPERATOR = Actor("user:op", "operator")
RESPONDER = Actor("member:m1", "responder", "t1")
OUTSIDER = Actor("member:m9", "responder", "t9")
LIMITS: dict[TimerName, float] = {"response": 60.0, "arrival": 180.0, "control": 300.0}


def fresh(now: float = 0.0) -> Incident:
    return Incident(
        id="inc-1",
        state="triggered",
        opened_at=now,
        updated_at=now,
        grid="cell-1",
        kind="flame",
        camera_id="cam-a",
        camera_name="A",
        location=(120.0, 30.0),
        confidence=0.9,
        last_detection_at=now,
        cameras=("cam-a",),
        detections=("det-1",),
        reached={"triggered": now},
    )


def test_happy_path_to_extinguished() -> None:
    inc = fresh()
    inc = apply(inc, "verify", OPERATOR, {}, 5.0).incident
    inc = apply(inc, "dispatch", SYSTEM, {"teams": ["t1", "t2", "t1"]}, 10.0).incident
    assert inc.teams == ("t1", "t2")
    inc = apply(inc, "respond", RESPONDER, {}, 20.0).incident
    inc = apply(inc, "arrive", RESPONDER, {}, 100.0).incident
    step = apply(inc, "resolve", OPERATOR, {"outcome": "extinguished", "note": "done"}, 200.0)
    assert step.incident.state == "resolved" and step.incident.outcome == "extinguished"
    assert step.data == {
        "from": "on_scene",
        "to": "resolved",
        "action": "resolve",
        "outcome": "extinguished",
        "note": "done",
    }
    assert dict(step.incident.reached) == {
        "triggered": 0.0,
        "verified": 5.0,
        "dispatched": 10.0,
        "responding": 20.0,
        "on_scene": 100.0,
        "resolved": 200.0,
    }


@pytest.mark.parametrize("state", ["triggered", "verified"])
def test_false_alarm_directly(state: str) -> None:
    inc = fresh()
    if state == "verified":
        inc = apply(inc, "verify", OPERATOR, {}, 1.0).incident
    step = apply(inc, "false_alarm", OPERATOR, {}, 2.0)
    assert (step.incident.state, step.incident.outcome) == ("resolved", "false_alarm")
    assert step.data["outcome"] == "false_alarm"


def test_refusal_names_state_action_and_reason() -> None:
    with pytest.raises(TransitionRefused) as err:
        apply(fresh(), "arrive", OPERATOR, {}, 1.0)
    assert (err.value.state, err.value.action) == ("triggered", "arrive")
    assert "dispatch" in err.value.reason and "'triggered'" in str(err.value)
    with pytest.raises(TransitionRefused, match="unknown action"):
        apply(fresh(), "explode", OPERATOR, {}, 1.0)
    closed = apply(fresh(), "false_alarm", OPERATOR, {}, 1.0).incident
    with pytest.raises(TransitionRefused, match="closed"):
        apply(closed, "verify", OPERATOR, {}, 2.0)


def test_resolve_needs_an_outcome_and_assign_needs_teams() -> None:
    inc = apply(fresh(), "dispatch", OPERATOR, {}, 1.0).incident
    with pytest.raises(TransitionRefused, match="outcome"):
        apply(inc, "resolve", OPERATOR, {"outcome": "mystery"}, 2.0)
    with pytest.raises(TransitionRefused, match="teams"):
        apply(inc, "assign", OPERATOR, {"teams": "t1"}, 2.0)
    assigned = apply(inc, "assign", OPERATOR, {"teams": ["t3"]}, 2.0)
    assert assigned.incident.state == "dispatched" and assigned.incident.teams == ("t3",)
    assert "dispatched" not in {k for k, v in assigned.incident.reached.items() if v == 2.0}


def test_roles_and_teams_are_enforced() -> None:
    with pytest.raises(Forbidden, match="responder may not 'verify'"):
        apply(fresh(), "verify", RESPONDER, {}, 1.0)
    inc = apply(fresh(), "dispatch", OPERATOR, {"teams": ["t1"]}, 1.0).incident
    with pytest.raises(Forbidden, match="t9"):
        apply(inc, "respond", OUTSIDER, {}, 2.0)
    assert apply(inc, "respond", RESPONDER, {}, 2.0).incident.state == "responding"


def test_snapshot_json_round_trip() -> None:
    inc = apply(fresh(), "dispatch", OPERATOR, {"teams": ["t1"]}, 1.0).incident
    assert Incident.from_json(inc.to_json()) == inc


def test_timers_breach_once_and_stop_at_their_goal() -> None:
    inc = fresh(0.0)
    assert due_breaches(inc, LIMITS, 59.0) == []
    assert due_breaches(inc, LIMITS, 60.0) == ["response"]
    inc = Incident.from_json({**inc.to_json(), "breaches": ["response"]})
    assert due_breaches(inc, LIMITS, 500.0) == ["arrival", "control"]
    dispatched = apply(inc, "dispatch", OPERATOR, {}, 1).incident
    arrived = apply(dispatched, "arrive", OPERATOR, {}, 2).incident
    assert due_breaches(arrived, LIMITS, 500.0) == ["control"]
    closed = apply(fresh(), "false_alarm", OPERATOR, {}, 1.0).incident
    assert due_breaches(closed, LIMITS, 1000.0) == []


ROLES = ["operator", "responder", "leader", "admin", "system"]
steps = st.lists(
    st.tuples(
        st.sampled_from([*ACTIONS, "bogus"]),
        st.sampled_from(ROLES),
        st.sampled_from([{}, {"outcome": "drill"}, {"outcome": "x"}, {"teams": ["t1"]}]),
    ),
    max_size=25,
)


def allowed(inc: Incident, action: str, role: str, data: dict[str, Any]) -> bool:
    """An oracle written apart from the table's code: what the rules say in words."""
    if action not in TRANSITIONS[inc.state]:
        return False
    if role not in ACTION_ROLES[action]:  # type: ignore[index]
        return False
    if role == "responder" and "t1" not in inc.teams:
        return False
    if TRANSITIONS[inc.state][action] == "resolved" and action == "resolve":  # type: ignore[index]
        return data.get("outcome") in ("extinguished", "false_alarm", "drill")
    return action != "assign" or isinstance(data.get("teams"), list)


@given(steps)
def test_any_sequence_follows_the_table(script: list[tuple[str, str, dict[str, Any]]]) -> None:
    inc, now = fresh(), 0.0
    for action, role, data in script:
        now += 1.0
        actor = Actor(f"x:{role}", role, "t1" if role == "responder" else None)  # type: ignore[arg-type]
        before = inc
        expected = allowed(before, action, role, data)
        try:
            step = apply(inc, action, actor, data, now)
        except (TransitionRefused, Forbidden):
            assert not expected
            continue
        assert expected
        inc = step.incident
        assert inc.state == TRANSITIONS[before.state][action]  # type: ignore[index]
        assert (inc.outcome is not None) == (inc.state == "resolved")
        assert step.data["from"] == before.state and step.data["to"] == inc.state
        assert list(inc.reached.values()) == sorted(inc.reached.values())
        assert set(inc.reached) <= set(STATES) and inc.state in inc.reached
        assert Incident.from_json(inc.to_json()) == inc
    if inc.state == "resolved":
        for action in ACTIONS:
            with pytest.raises(TransitionRefused):
                apply(inc, action, SYSTEM, {"outcome": "drill", "teams": []}, now + 1)
