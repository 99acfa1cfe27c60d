"""The texts and recipients of the gateway's notifications (pure)."""

from __future__ import annotations

import uuid

from dispatch.actions import PageLeader, PageResponsible, Remind
from dispatch.config import DispatchConfig
from dispatch.notify import NotificationKind, Recipient, WebhookMessage
from dispatch.ranking import IncidentSite
from dispatch.responders import ResponderRegistry


def page_for(
    action: PageResponsible | PageLeader | Remind,
    site: IncidentSite,
    registry: ResponderRegistry,
    cfg: DispatchConfig,
    now: float,
) -> WebhookMessage | None:
    """The notification an action needs, or None when there is nobody to reach."""
    where = site.cell_name or "an unmapped area"
    what = {"flame": "Fire", "smoke": "Smoke"}.get(site.kind or "", "Fire alarm")
    team_id: str | None = None
    kind: NotificationKind
    recipients: tuple[Recipient, ...]
    match action:
        case PageResponsible(person=person):
            kind = "responsible_page"
            recipients = (Recipient(name=person.name, phone=person.phone),)
            text = f"{what} in {where} (your cell). Local teams are being called up."
        case PageLeader():
            if cfg.duty_leader is None and cfg.duty_leader_phone is None:
                return None
            kind = "leader_page"
            ref = None if cfg.duty_leader is None else f"user:{cfg.duty_leader}"
            name = cfg.duty_leader or "duty leader"
            recipients = (Recipient(name=name, phone=cfg.duty_leader_phone, ref=ref),)
            text = (
                f"{what} in {where}: no team accepted after tier {action.tier}. "
                "Consider calling 119."
            )
        case Remind():
            team = registry.team(action.team_id).config
            kind, team_id = "team_call", team.id
            recipients = tuple(
                Recipient(name=m.name, phone=m.phone, ref=f"member:{m.id}") for m in team.members
            )
            text = f"{what} in {where}: {team.name}, you are called up. Answer in the app."
    return WebhookMessage(
        id=uuid.uuid4().hex,
        kind=kind,
        incident_id=site.incident_id,
        grid=site.grid,
        cell=site.cell_name,
        location=site.location,
        team_id=team_id,
        message=text,
        recipients=recipients,
        time=now,
    )
