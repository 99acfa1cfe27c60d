"""The async driver: feeds incident events and commands to the call-up policies, carries out
their decisions, and wakes itself at the next deadline.

Everything that decides is pure (`ranking`, `escalation`); this module only moves data: it turns
policy actions into registry changes, timeline events and gateway notifications. Events go out
through one outbox (`dispatch.outbox`) in the order they were decided; a caller returns only
once its own events are stored, and a publish that re-enters the service (a timeline delivering
to `on_event` while we publish) appends to the outbox instead of deadlocking or reordering.

Wired in `firegrid/app.py` (`build_app`), the one composition root: the hub's listener feeds
`on_event`, its command handlers call `command`, and after a restart each open incident's stored
timeline goes through `restore` before `start`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from alerts.events import Event
from dispatch import commands as cmd
from dispatch.actions import (
    Accepted,
    Action,
    PageLeader,
    PageResponsible,
    Remind,
    teams_of,
)
from dispatch.config import DispatchConfig
from dispatch.errors import CommandRejected, DispatchBug, UnknownIncident
from dispatch.escalation import CallUp
from dispatch.grid import Grid
from dispatch.measures import IncidentMeasures, measure
from dispatch.notify import WebhookMessage
from dispatch.outbox import EventOutbox
from dispatch.pages import page_for
from dispatch.ranking import IncidentSite, Recommendation, rank
from dispatch.replay import TEAM_STATUS, action_of, registry_follows
from dispatch.responders import ResponderRegistry
from dispatch.timeline import TimelinePort, event_for, make_event, site_from_opened
from dispatch.travel import Clock

log = logging.getLogger(__name__)

RECOMMENDATION_EVENT_ROWS = 10  # the full ranking is at GET /api/incidents/{id}/recommendation
ENDING_STATES = frozenset({"resolved", "false_alarm", "closed"})
STARTING_STATES = frozenset({"verified", "dispatched"})


class Notifier(Protocol):
    def submit(self, message: WebhookMessage) -> None: ...


class DispatchService:
    def __init__(
        self,
        grid: Grid,
        registry: ResponderRegistry,
        cfg: DispatchConfig,
        timeline: TimelinePort,
        notifier: Notifier | None = None,
        clock: Clock = time.time,
        publish_retry_s: float = 1.0,
    ) -> None:
        self.grid = grid
        self.registry = registry
        self.cfg = cfg
        self._notifier = notifier
        self._clock = clock
        self._callups: dict[str, CallUp] = {}
        self._outbox = EventOutbox(timeline)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._publish_retry_s = publish_retry_s

    # -- reading ---------------------------------------------------------------------------

    def callup(self, incident_id: str) -> CallUp:
        try:
            return self._callups[incident_id]
        except KeyError:
            raise UnknownIncident(f"dispatch has not seen incident {incident_id!r}") from None

    def recommendation(self, incident_id: str) -> Recommendation:
        return self._rank(self.callup(incident_id).site)

    def measures(self, incident_id: str) -> IncidentMeasures:
        return measure(self.callup(incident_id))

    # -- the hub's side --------------------------------------------------------------------

    async def on_event(self, event: Event) -> None:
        """Listener for every stored event; reacts to `incident.opened` / `.transition`."""
        if event.type == "incident.opened":
            self._open(event)
        elif event.type == "incident.transition":
            self._transition(event)
        else:
            return
        await self._outbox.flush()

    async def command(
        self,
        principal_id: str,
        team_id: str | None,
        name: str,
        payload: dict[str, Any],
        incident_id: str | None = None,
    ) -> dict[str, Any]:
        """Run a phone's (team_id given) or a console user's (team_id None) command.

        `principal_id` is the member or user id, bare or as "member:ID" / "user:ID".
        `incident_id`, when the transport carries it beside the payload (the hub's
        `CommandRequest`), fills the payload's field. Raises `CommandRejected` (the client's
        fault) with a message fit to show the user.
        """
        if incident_id is not None:
            payload = {**payload, "incident_id": payload.get("incident_id", incident_id)}
        if team_id is None:
            actor = f"user:{principal_id.removeprefix('user:')}"
            parsed = cmd.parse(name, payload, "user")
        else:
            member = principal_id.removeprefix("member:")
            if self.registry.team_of_member(member) != team_id:
                raise CommandRejected(f"member {member!r} is not in team {team_id!r}")
            actor = f"member:{member}"
            parsed = cmd.parse(name, payload, "member")
        result = self._run(parsed, actor, team_id)
        await self._outbox.flush()
        return {"ok": True, "command": name, **result}

    async def tick(self) -> None:
        """Let every call-up act on its deadlines (the timer loop calls this)."""
        now = self._clock()
        for callup in list(self._callups.values()):
            self._apply(callup, callup.tick(now), now)
        await self._outbox.flush()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run_timer(), name="dispatch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def restore(self, timeline: Sequence[Event]) -> None:
        """Rebuild one open incident's call-up from its stored timeline, after a restart.

        Past decisions are replayed, not repeated (`dispatch.replay`); then whatever the
        timeline shows was due but never decided (a start, a close) is decided now. Deadlines
        that passed while the hub was down are acted on at the timer's next tick. Call this
        for every open incident before `start`.
        """
        opened = next((e for e in timeline if e.type == "incident.opened"), None)
        site = None if opened is None else site_from_opened(self.grid, opened)
        if site is None or site.incident_id in self._callups:
            return
        callup = CallUp(site, self.cfg.escalation, lambda: self._rank(site), self._remind_after())
        self._callups[site.incident_id] = callup
        now = self._clock()
        started = self.cfg.escalation.start_on == "opened"
        ended: Event | None = None
        for event in timeline:
            if event.type == "incident.transition":
                started = started or event.data.get("to") in STARTING_STATES
                ended = event if _ends(event) else ended
            elif (action := action_of(event)) is not None:
                callup.replay(action, event.time, now)
                registry_follows(self.registry, action, site.incident_id)
        # Both are no-ops when the timeline already holds their decisions.
        if ended is not None:
            self._apply(callup, callup.close(_why(ended)), now)
        elif started:
            self._apply(callup, callup.start(now), now)
        self._wake.set()

    # -- incidents -------------------------------------------------------------------------

    def _open(self, event: Event) -> None:
        if event.incident_id is None or event.incident_id in self._callups:
            return  # malformed or replayed: nothing new to do
        site = site_from_opened(self.grid, event)
        if site is None:
            log.warning("incident %s has no location and no known cell", event.incident_id)
            return
        policy = self.cfg.escalation
        callup = CallUp(site, policy, lambda: self._rank(site), self._remind_after())
        self._callups[site.incident_id] = callup
        now = self._clock()
        rec = self._rank(site)
        data = rec.to_json(limit=RECOMMENDATION_EVENT_ROWS)
        self._outbox.add(self._event("dispatch.recommendation", site, data, now))
        if policy.start_on == "opened":
            self._apply(callup, callup.start(now), now)

    def _transition(self, event: Event) -> None:
        callup = self._callups.get(event.incident_id or "")
        if callup is None:
            return
        now = self._clock()
        if _ends(event):
            self._apply(callup, callup.close(_why(event)), now)
        elif event.data.get("to") in STARTING_STATES:
            self._apply(callup, callup.start(now), now)

    def _rank(self, site: IncidentSite) -> Recommendation:
        return rank(site, self.registry, self.cfg.escalation.comparable_eta_s, self._clock())

    def _remind_after(self) -> float | None:
        return None if self.cfg.webhook is None else self.cfg.webhook.remind_after_s

    # -- commands --------------------------------------------------------------------------

    def _run(self, c: cmd.Command, actor: str, team_id: str | None) -> dict[str, Any]:
        now = self._clock()
        match c:
            case cmd.Accept() | cmd.Decline() | cmd.Arrived():
                return self._answer(c, actor, _need(team_id), now)
            case cmd.Location():
                at = now if c.at is None else min(c.at, now)  # a phone clock ahead of ours
                stored = self.registry.report_location(
                    actor.removeprefix("member:"), c.location, at
                )
                self._report_position(_need(team_id), now)
                return {"stored": stored}
            case cmd.AddTeam():
                if c.team_id not in self.registry:
                    raise CommandRejected(f"no team {c.team_id!r}")
                callup = self.callup(c.incident_id)
                found = [x for x in self._rank(callup.site).candidates if x.team_id == c.team_id]
                actions = callup.add_team(c.team_id, actor, now, found[0] if found else None)
                self._apply(callup, actions, now)
                return {"incident_id": c.incident_id, "team_id": c.team_id}
            case cmd.RemoveTeam():
                callup = self.callup(c.incident_id)
                self._apply(callup, callup.remove_team(c.team_id, actor, now), now)
                return {"incident_id": c.incident_id, "team_id": c.team_id}
            case cmd.SetDuty():
                return self._set_duty(c, actor, team_id, now)
        raise DispatchBug(f"command {type(c).__name__} has no handler")

    def _answer(
        self, c: cmd.Accept | cmd.Decline | cmd.Arrived, actor: str, team_id: str, now: float
    ) -> dict[str, Any]:
        callup = self.callup(c.incident_id)
        if isinstance(c, cmd.Accept):
            actions = callup.on_accept(team_id, actor, now)
        elif isinstance(c, cmd.Decline):
            actions = callup.on_decline(team_id, actor, c.reason, now)
        else:
            actions = callup.on_arrived(team_id, actor, now)
        self._apply(callup, actions, now)
        call = callup.calls[team_id]
        return {
            "incident_id": c.incident_id,
            "team_id": team_id,
            "status": call.status,
            "answered_by": call.answered_by,
            "counted": bool(actions),  # False: the team had already answered this way
        }

    def _set_duty(
        self, c: cmd.SetDuty, actor: str, own_team: str | None, now: float
    ) -> dict[str, Any]:
        if own_team is not None and c.team_id not in (None, own_team):
            raise CommandRejected("a member may only set the duty of their own team")
        team_id = own_team or c.team_id
        if team_id is None or team_id not in self.registry:
            raise CommandRejected(f"set_duty needs an existing team_id, got {team_id!r}")
        before = self._status(team_id)
        self.registry.set_duty(team_id, on_duty=c.on_duty, busy=c.busy)
        if not c.on_duty or c.busy:
            why = "off duty" if not c.on_duty else "busy"
            for callup in list(self._callups.values()):
                self._apply(callup, callup.withdraw(team_id, why, now), now)
        self._team_status_events({team_id: before}, now, actor)
        availability, on_duty, _ = self._status(team_id)
        return {"team_id": team_id, "availability": availability, "on_duty": on_duty}

    def _report_position(self, team_id: str, now: float) -> None:
        """Teams on their way are followed on the console map, incident by incident."""
        team = self.registry.team(team_id)
        pos = self.registry.position(team_id)
        for incident_id, how in team.engaged.items():
            site = self._callups[incident_id].site
            data = {"team_id": team_id, "location": list(pos.location), "engagement": how}
            self._outbox.add(
                self._event("dispatch.team_location", site, data, now, audience=(team_id,))
            )

    # -- carrying out decisions ------------------------------------------------------------

    def _apply(self, callup: CallUp, actions: list[Action], now: float) -> None:
        if not actions:
            return
        touched = {t for a in actions for t in teams_of(a)}
        before = {t: self._status(t) for t in touched}
        for action in actions:
            event = event_for(action, callup.site, now, self.cfg.duty_leader)
            if event is not None:
                self._outbox.add(event)
            self._carry_out(callup, action, now)
        self._team_status_events(before, now, "system", callup.site.incident_id)
        self._wake.set()  # deadlines may have changed

    def _carry_out(self, callup: CallUp, action: Action, now: float) -> None:
        incident_id = callup.site.incident_id
        registry_follows(self.registry, action, incident_id)
        match action:
            case Accepted():
                for other in list(self._callups.values()):
                    if other is not callup:
                        why = f"engaged on {incident_id}"
                        self._apply(other, other.withdraw(action.team_id, why, now), now)
            case PageResponsible() | PageLeader() | Remind():
                message = page_for(action, callup.site, self.registry, self.cfg, now)
                if message is not None and self._notifier is not None:
                    self._notifier.submit(message)

    def _status(self, team_id: str) -> tuple[str, bool, bool]:
        team = self.registry.team(team_id)
        return team.availability, team.on_duty, team.busy

    def _team_status_events(
        self,
        before: dict[str, tuple[str, bool, bool]],
        now: float,
        actor: str,
        incident_id: str | None = None,
    ) -> None:
        for team_id, old in before.items():
            availability, on_duty, busy = new = self._status(team_id)
            if new == old:
                continue
            grid = self.registry.team(team_id).config.grid
            data = dict(team_id=team_id, availability=availability, on_duty=on_duty, busy=busy)
            self._outbox.add(
                make_event(
                    TEAM_STATUS, now, data, actor=actor, incident_id=incident_id,
                    grid=grid, audience=(team_id,),
                )
            )  # fmt: skip

    def _event(
        self,
        type_: str,
        site: IncidentSite,
        data: dict[str, Any],
        now: float,
        audience: tuple[str, ...] = (),
    ) -> Event:
        return make_event(
            type_, now, data, incident_id=site.incident_id, grid=site.grid, audience=audience
        )

    async def _run_timer(self) -> None:
        failed = False
        while True:
            self._wake.clear()
            deadline = min(
                (d for c in self._callups.values() if (d := c.next_deadline()) is not None),
                default=None,
            )
            delay = None if deadline is None else max(0.0, deadline - self._clock())
            if failed:  # events are waiting in the outbox: try again soon
                delay = min(delay or self._publish_retry_s, self._publish_retry_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            try:
                await self.tick()
                failed = False
            except Exception:  # a failing publish must not stop future escalations
                log.exception("dispatch tick failed; its events stay queued")
                failed = True


def _ends(transition: Event) -> bool:
    data = transition.data
    return data.get("to") in ENDING_STATES or data.get("action") == "false_alarm"


def _why(transition: Event) -> str:
    return str(transition.data.get("action") or transition.data.get("to"))


def _need(team_id: str | None) -> str:
    if team_id is None:
        raise DispatchBug("a member command arrived without the member's team")
    return team_id
