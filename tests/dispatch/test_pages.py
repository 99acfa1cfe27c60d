from __future__ import annotations

from dispatch.actions import PageLeader, PageResponsible, Remind
from dispatch.config import DispatchConfig
from dispatch.pages import page_for
from dispatch.timeline import site_from_opened
from tests.dispatch.township import RESPONSIBLE_A, T0, FakeClock, build_grid, build_registry, opened


def test_pages_reach_the_right_people() -> None:
    site = site_from_opened(build_grid(), opened("inc-1", "A", (120.105, 30.205)))
    assert site is not None
    registry = build_registry(FakeClock())
    cfg = DispatchConfig()

    page = page_for(PageResponsible(RESPONSIBLE_A, 1), site, registry, cfg, T0)
    assert page is not None and page.kind == "responsible_page"
    assert page.message == "Fire in community A (your cell). Local teams are being called up."
    assert [(r.name, r.phone, r.ref) for r in page.recipients] == [("Wang", "13800000001", None)]

    remind = page_for(Remind("c1", 1), site, registry, cfg, T0)
    assert remind is not None and (remind.kind, remind.team_id) == ("team_call", "c1")
    assert [r.ref for r in remind.recipients] == ["member:c1-m0", "member:c1-m1"]
    assert remind.id != page.id and remind.time == T0

    # nobody to page without a configured duty leader
    assert page_for(PageLeader(2), site, registry, cfg, T0) is None
    by_phone = cfg.model_copy(update={"duty_leader_phone": "13900000009"})
    leader = page_for(PageLeader(2), site, registry, by_phone, T0)
    assert leader is not None
    assert [(r.name, r.phone, r.ref) for r in leader.recipients] == [
        ("duty leader", "13900000009", None)
    ]
    assert "no team accepted after tier 2" in leader.message
