"""A small township to test dispatch on, and the fakes its tests share.

Four communities in a 2×2 block (A south-west, B south-east, C north-west, D north-east; each
about 1 km square) and a fifth, E, 8 km east, touching nobody. Teams: a1 (A, on foot), a2 (A,
e-bike, holds A's responsible person), b1 (B, vehicle), c1 (C, foot), e1 (E, vehicle).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts.events import Event
from dispatch.config import (
    Coordinate,
    DispatchConfig,
    EscalationConfig,
    GridCellConfig,
    MemberConfig,
    Person,
    TeamConfig,
    TravelMode,
)
from dispatch.grid import Grid
from dispatch.responders import ResponderRegistry
from dispatch.timeline import make_event

T0 = 1_764_500_000.0
RESPONSIBLE_A = Person(name="Wang", phone="13800000001")


def square(lon: float, lat: float, size: float) -> list[Coordinate]:
    return [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)]


def centre(lon: float, lat: float, size: float = 0.01) -> Coordinate:
    return (lon + size / 2, lat + size / 2)


A, B, C, D, E = (120.10, 30.20), (120.11, 30.20), (120.10, 30.21), (120.11, 30.21), (120.20, 30.20)


def community(code: str, corner: Coordinate, responsible: Person | None = None) -> GridCellConfig:
    return GridCellConfig(
        code=code,
        name=f"community {code}",
        level="community",
        polygon=square(corner[0], corner[1], 0.01),
        responsible=responsible or Person(name=f"head of {code}", phone=f"1390000000{len(code)}"),
    )


def grid_config() -> GridCellConfig:
    township = GridCellConfig(
        code="T",
        name="township",
        level="township",
        polygon=square(120.09, 30.19, 0.13),
        responsible=Person(name="township head", phone="13700000000"),
        children=[
            community("A", A, RESPONSIBLE_A),
            community("B", B),
            community("C", C),
            community("D", D),
            community("E", E),
        ],
    )
    district = GridCellConfig(
        code="DI",
        name="district",
        level="district",
        polygon=square(120.0, 30.1, 0.3),
        responsible=Person(name="district head", phone="13600000000"),
        children=[township],
    )
    return GridCellConfig(
        code="CITY",
        name="city",
        level="city",
        polygon=square(119.9, 30.0, 0.5),
        responsible=Person(name="mayor", phone="13500000000"),
        children=[district],
    )


def team(
    team_id: str,
    cell: str,
    base: Coordinate,
    mode: TravelMode = "foot",
    members: int = 2,
    phones: tuple[str, ...] = (),
) -> TeamConfig:
    return TeamConfig(
        id=team_id,
        name=f"team {team_id}",
        kind="patrol",
        grid=cell,
        base=base,
        travel_mode=mode,
        members=[
            MemberConfig(
                id=f"{team_id}-m{i}",
                name=f"member {i} of {team_id}",
                phone=phones[i] if i < len(phones) else f"1500000{team_id}{i}",
                token=f"token-{team_id}-{i}-xxxxxxxx",
            )
            for i in range(members)
        ],
    )


def teams_config() -> list[TeamConfig]:
    return [
        team("a1", "A", centre(*A)),
        team("a2", "A", (A[0] + 0.002, A[1] + 0.002), "ebike", phones=(RESPONSIBLE_A.phone,)),
        team("b1", "B", centre(*B), "vehicle"),
        team("c1", "C", centre(*C)),
        team("e1", "E", centre(*E), "vehicle"),
    ]


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ListTimeline:
    """The timeline port as a list: what the hub would store, in order, with seqs."""

    events: list[Event] = field(default_factory=list)

    async def publish(self, event: Event) -> Event:
        stored = event.with_seq(len(self.events) + 1)
        self.events.append(stored)
        return stored

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def of(self, type_: str) -> list[Event]:
        return [e for e in self.events if e.type == type_]

    def clear(self) -> None:
        self.events.clear()


def build_grid() -> Grid:
    return Grid([grid_config()])


def build_registry(clock: FakeClock) -> ResponderRegistry:
    return ResponderRegistry(teams_config(), DispatchConfig().travel, clock)


def dispatch_config(**escalation: object) -> DispatchConfig:
    return DispatchConfig(escalation=EscalationConfig.model_validate(escalation))


def opened(incident_id: str, cell: str, location: Coordinate, time: float = T0) -> Event:
    data = {"location": list(location), "camera_id": "cam-1", "kind": "flame"}
    return make_event("incident.opened", time, data, incident_id=incident_id, grid=cell)


def transition(incident_id: str, to: str, action: str = "", time: float = T0) -> Event:
    data = {"to": to, "action": action or to}
    return make_event("incident.transition", time, data, incident_id=incident_id)
