"""One incident's call-up: who was called, who answered, and what to do next.

Pure: no clock, no I/O. Every method takes `now` and returns the actions it decided
(`dispatch.actions`); the service carries them out. The policy, from `EscalationConfig`:

- tier 1 calls the best `tier_size` teams from the incident's own cell (and the team of the
  cell's responsible person), and pages the responsible person; tier 2 widens the pool to the
  neighbouring cells; tier 3 and later to every team. A tier whose pool runs short is filled
  from the next wider pool, nearest first, so a tier never calls fewer teams than it could.
- Each call waits `ack_timeout_s`. A decline immediately calls one replacement. When no call is
  left pending and fewer than `required_accepts` teams accepted, the next tier starts.
- When tier `page_leader_after_tier` has failed, the duty leader is paged and the console is told
  to call 119; after `max_tiers` the call-up is exhausted (and the leader paged if not yet).
- Once `required_accepts` teams accepted, teams still pending are stood down. A team counts
  once however many of its members accept; a late accept from a timed-out or stood-down team is
  still welcome and counts.
- Operators add and remove teams at any time; removing an accepted team resumes escalation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dispatch.actions import (
    Accepted,
    Action,
    Arrived,
    CallTeam,
    Closed,
    Declined,
    Escalated,
    Exhausted,
    PageLeader,
    PageResponsible,
    Prompt119,
    Remind,
    StoodDown,
    TeamRemoved,
    TimedOut,
)
from dispatch.config import EscalationConfig
from dispatch.errors import CommandRejected
from dispatch.ranking import Candidate, IncidentSite, Recommendation

# stood_down: not needed any more (enough accepted), may be called again if that changes;
# withdrawn: became unavailable (engaged elsewhere, off duty), only an operator calls it again.
CallStatus = Literal[
    "pending", "accepted", "declined", "timed_out", "stood_down", "withdrawn", "removed"
]
RING_NAMES = {1: "own cell", 2: "neighbouring cell", 3: "beyond the neighbouring cells"}


@dataclass(slots=True)
class Call:
    """One team's call within one incident. Owned and changed by `CallUp` only."""

    team_id: str
    tier: int
    called_at: float
    deadline: float
    remind_at: float | None
    status: CallStatus = "pending"
    answered_by: str | None = None
    answered_at: float | None = None
    arrived_at: float | None = None


def _ring(c: Candidate) -> int:
    """1 = the incident's own cell (or its responsible person's team), 2 = neighbour, 3 = other."""
    if c.own_cell or c.responsible_team:
        return 1
    return 2 if c.neighbour_cell else 3


class CallUp:
    def __init__(
        self,
        site: IncidentSite,
        policy: EscalationConfig,
        candidates: Callable[[], Recommendation],
        remind_after_s: float | None = None,
    ) -> None:
        self.site = site
        self._policy = policy
        self._candidates = candidates
        self._remind_after_s = remind_after_s
        self.calls: dict[str, Call] = {}
        self.tier = 0  # 0 until the automatic call-up starts
        self.leader_paged = False
        self.exhausted = False
        self.closed = False

    @property
    def accepted(self) -> int:
        return sum(1 for call in self.calls.values() if call.status == "accepted")

    @property
    def satisfied(self) -> bool:
        return self.accepted >= self._policy.required_accepts

    def next_deadline(self) -> float | None:
        """The earliest time `tick` has something to do, or None."""
        if self.closed:
            return None
        times = [
            t
            for call in self.calls.values()
            if call.status == "pending"
            for t in (call.deadline, call.remind_at)
            if t is not None
        ]
        return min(times, default=None)

    def start(self, now: float) -> list[Action]:
        """Start the automatic call-up at tier 1 (no-op when already started or closed)."""
        if self.tier or self.closed:
            return []
        actions: list[Action] = []
        if self.site.responsible is not None:
            actions.append(PageResponsible(self.site.responsible, 1))
        return actions + self._escalate(now, "incident opened")

    def tick(self, now: float) -> list[Action]:
        if self.closed:
            return []
        actions: list[Action] = []
        for call in self.calls.values():
            if call.status != "pending":
                continue
            if call.remind_at is not None and call.remind_at <= now:
                call.remind_at = None
                actions.append(Remind(call.team_id, call.tier))
            if call.deadline <= now:
                call.status = "timed_out"
                actions.append(TimedOut(call.team_id, call.tier))
        ack = self._policy.ack_timeout_s
        return actions + self._settle(now, f"no acceptance within {ack:g} s")

    def on_accept(self, team_id: str, by: str, now: float) -> list[Action]:
        call = self._call_for(team_id)
        if call.status == "accepted":
            return []  # a second member of the same team: the team counts once
        was_satisfied = self.satisfied
        call.status, call.answered_by, call.answered_at = "accepted", by, now
        required = self._policy.required_accepts
        actions: list[Action] = [
            Accepted(team_id, by, self.accepted, required, now - call.called_at)
        ]
        if self.satisfied and not was_satisfied:
            for other in self.calls.values():
                if other.status == "pending":
                    other.status = "stood_down"
                    actions.append(StoodDown(other.team_id, "enough teams accepted"))
        # still short of teams and this was the last call pending: escalate now, not at a tick
        return actions + self._settle(now, f"{team_id} accepted; {required} needed")

    def on_decline(self, team_id: str, by: str, reason: str, now: float) -> list[Action]:
        call = self._call_for(team_id)
        if call.status == "accepted":
            raise CommandRejected(
                f"team {team_id} already accepted {self.site.incident_id} "
                f"({call.answered_by}); ask the operator to remove it"
            )
        if call.status == "declined":
            return []
        was_pending = call.status == "pending"
        call.status, call.answered_by, call.answered_at = "declined", by, now
        actions: list[Action] = [Declined(team_id, by, reason)]
        return actions + self._replace(was_pending, now, f"{team_id} declined")

    def withdraw(self, team_id: str, reason: str, now: float) -> list[Action]:
        """The team became unavailable (engaged elsewhere): stand it down if still pending."""
        call = self.calls.get(team_id)
        if self.closed or call is None or call.status != "pending":
            return []
        call.status = "withdrawn"
        actions: list[Action] = [StoodDown(team_id, reason, withdrawn=True)]
        return actions + self._replace(True, now, f"{team_id} withdrawn")

    def add_team(
        self, team_id: str, by: str, now: float, candidate: Candidate | None
    ) -> list[Action]:
        if self.closed:
            raise CommandRejected(f"the call-up of {self.site.incident_id} is closed")
        current = self.calls.get(team_id)
        if current is not None and current.status in ("pending", "accepted"):
            raise CommandRejected(f"team {team_id} is already {current.status} for this incident")
        return [self._call(candidate, team_id, max(self.tier, 1), "added by operator", now, by)]

    def remove_team(self, team_id: str, by: str, now: float) -> list[Action]:
        call = self._call_for(team_id)
        call.status = "removed"
        actions: list[Action] = [TeamRemoved(team_id, by)]
        return actions + self._settle(now, f"operator removed {team_id}")

    def on_arrived(self, team_id: str, by: str, now: float) -> list[Action]:
        """A team is on scene; arriving implies accepting if it had not answered yet."""
        call = self._call_for(team_id)
        actions = [] if call.status == "accepted" else self.on_accept(team_id, by, now)
        if call.arrived_at is not None:
            return actions
        call.arrived_at = now
        accept_s = None if call.answered_at is None else call.answered_at - call.called_at
        actions.append(Arrived(team_id, by, accept_s, now - self.site.opened_at))
        return actions

    def close(self, reason: str) -> list[Action]:
        if self.closed:
            return []
        self.closed = True
        involved = tuple(t for t, call in self.calls.items() if call.status != "removed")
        return [Closed(reason, involved)]

    def replay(self, action: Action, at: float, now: float) -> None:
        """Take back a decision this call-up made at `at`, before a restart: state only.

        Fed the stored timeline in order, it rebuilds the calls, tier and flags; nothing is
        decided or returned. A pending call keeps its deadline (one that passed while the hub
        was down times out at the next tick) and its reminder, unless that was due before the
        restart: whether it went out is not recorded, and the deadline still follows.
        """
        call = self.calls.get(getattr(action, "team_id", ""))
        match action:
            case CallTeam():
                remind = None if self._remind_after_s is None else at + self._remind_after_s
                remind = remind if remind is not None and remind > now else None
                self.calls[action.team_id] = Call(
                    action.team_id, action.tier, at, action.deadline, remind
                )
                if action.by == "system":
                    self.tier = max(self.tier, action.tier)
            case Escalated():
                self.tier = max(self.tier, action.to_tier)
            case Accepted() | Declined() if call is not None:
                call.status = "accepted" if isinstance(action, Accepted) else "declined"
                call.answered_by, call.answered_at = action.by, at
            case TimedOut() if call is not None:
                call.status = "timed_out"
            case StoodDown() if call is not None:
                call.status = "withdrawn" if action.withdrawn else "stood_down"
            case TeamRemoved() if call is not None:
                call.status = "removed"
            case Arrived() if call is not None:
                call.arrived_at = at
            case PageLeader():
                self.leader_paged = True
            case Exhausted():
                self.exhausted = True
            case Closed():
                self.closed = True

    def _call_for(self, team_id: str) -> Call:
        incident = self.site.incident_id
        if self.closed:
            raise CommandRejected(f"the call-up of {incident} is closed")
        call = self.calls.get(team_id)
        if call is None:
            raise CommandRejected(f"team {team_id} was not called for {incident}")
        if call.status == "removed":
            raise CommandRejected(f"team {team_id} was removed from {incident} by an operator")
        return call

    def _replace(self, was_pending: bool, now: float, reason: str) -> list[Action]:
        """After a pending call ended without acceptance: one replacement, then settle."""
        actions: list[Action] = []
        if was_pending and self.tier and not self.satisfied:
            actions += self._call_next(now, 1)
        return actions + self._settle(now, reason)

    def _settle(self, now: float, reason: str) -> list[Action]:
        """Escalate when nothing is pending, too few accepted, and automation still runs."""
        if not self.tier or self.satisfied or self.exhausted:
            return []
        if any(call.status == "pending" for call in self.calls.values()):
            return []
        return self._escalate(now, reason)

    def _escalate(self, now: float, reason: str) -> list[Action]:
        """Move to the next tier that has someone to call (or run out of tiers)."""
        policy = self._policy
        actions: list[Action] = []
        while self.tier < policy.max_tiers:
            failed = self.tier
            self.tier += 1
            if failed:
                actions.append(Escalated(failed, self.tier, reason))
            if failed >= policy.page_leader_after_tier:
                actions += self._page_leader(failed)
            wanted = max(policy.tier_size, policy.required_accepts - self.accepted)
            called = self._call_next(now, wanted)
            if called:
                return actions + called
            reason = f"nobody left to call in tier {self.tier}"
        self.exhausted = True
        actions += self._page_leader(self.tier)
        actions.append(Exhausted(self.tier, self.accepted, policy.required_accepts))
        return actions

    def _page_leader(self, failed_tier: int) -> list[Action]:
        if self.leader_paged:
            return []
        self.leader_paged = True
        return [PageLeader(failed_tier), Prompt119(failed_tier)]

    def _call_next(self, now: float, count: int) -> list[Action]:
        """Call up to `count` not-yet-called teams, from this tier's pool first."""
        pool = min(self.tier, 3)
        fresh = [
            c
            for c in self._candidates().candidates
            if c.team_id not in self.calls or self.calls[c.team_id].status == "stood_down"
        ]
        # Stable sort: inside the pool, ranking order; outside it, nearer rings first.
        fresh.sort(key=lambda c: 0 if _ring(c) <= pool else _ring(c))
        actions: list[Action] = []
        for c in fresh[:count]:
            ring = _ring(c)
            reason = f"tier {self.tier}: {RING_NAMES[ring]}"
            if ring > pool:
                reason += f" (no more teams within the {RING_NAMES[pool]})"
            actions.append(self._call(c, c.team_id, self.tier, reason, now, "system"))
        return actions

    def _call(
        self, c: Candidate | None, team_id: str, tier: int, reason: str, now: float, by: str
    ) -> CallTeam:
        deadline = now + self._policy.ack_timeout_s
        remind = None if self._remind_after_s is None else now + self._remind_after_s
        self.calls[team_id] = Call(team_id, tier, now, deadline, remind)
        return CallTeam(team_id, tier, reason, deadline, c, by)
