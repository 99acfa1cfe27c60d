"""Configuration of the grid, the responder teams and the call-up policy.

These models are the dispatch package's part of the township file; `firegrid.config` composes
them with the other packages' parts and checks the references between them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
# [lon, lat] in WGS-84, the order GeoJSON and shapely use.
Coordinate = tuple[Longitude, Latitude]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Token = Annotated[str, Field(min_length=8, max_length=256)]

GridLevel = Literal["city", "district", "township", "community"]
TeamKind = Literal["patrol", "security", "volunteer_brigade", "micro_station"]
TravelMode = Literal["foot", "bicycle", "ebike", "vehicle"]


DEFAULT_SPEEDS_KMH: dict[TravelMode, float] = {
    "foot": 5.0,
    "bicycle": 14.0,
    "ebike": 20.0,
    "vehicle": 30.0,
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Strict):
    name: str = Field(min_length=1)
    phone: str = Field(min_length=3, max_length=32)


class GridCellConfig(Strict):
    """One cell of the four-level grid (city → district → township → community)."""

    code: Identifier
    name: str = Field(min_length=1)
    name_en: str | None = None
    level: GridLevel
    polygon: list[Coordinate] = Field(min_length=3, description="outline as [lon, lat] points")
    responsible: Person
    children: list[GridCellConfig] = Field(default_factory=list)


class MemberConfig(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    phone: str = Field(min_length=3, max_length=32)
    token: Token


class TeamConfig(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    kind: TeamKind
    grid: Identifier = Field(description="code of the grid cell the team belongs to")
    base: Coordinate = Field(description="base location as [lon, lat]")
    travel_mode: TravelMode = "foot"
    on_duty: bool = True
    members: list[MemberConfig] = Field(min_length=1)


class TravelConfig(Strict):
    road_factor: float = Field(1.3, ge=1.0, le=3.0, description="road distance / straight line")
    speeds_kmh: dict[TravelMode, Annotated[float, Field(gt=0, le=200)]] = Field(
        default_factory=lambda: dict(DEFAULT_SPEEDS_KMH)
    )
    location_max_age_s: float = Field(120.0, gt=0, description="older phone fixes are stale")


class EscalationConfig(Strict):
    tier_size: int = Field(2, ge=1, le=20, description="teams called per tier")
    ack_timeout_s: float = Field(45.0, gt=0, le=600)
    required_accepts: int = Field(1, ge=1, le=20)
    max_tiers: int = Field(3, ge=1, le=10)
    comparable_eta_s: float = Field(
        30.0, ge=0, description="own-cell teams go first when within this of the fastest ETA"
    )
    page_leader_after_tier: int = Field(2, ge=1, description="page the duty leader after it")
    start_on: Literal["opened", "verified"] = Field(
        "opened", description="start the call-up at the alarm, or once an operator verified it"
    )


class WebhookConfig(Strict):
    url: str = Field(pattern=r"^https?://", description="SMS/voice gateway endpoint")
    timeout_s: float = Field(5.0, gt=0, le=60)
    max_attempts: int = Field(4, ge=1, le=20)
    backoff_s: float = Field(1.0, gt=0, le=60, description="first retry delay; doubles")
    remind_after_s: float = Field(
        15.0, ge=0, le=600, description="a called team silent on the app this long gets SMS/voice"
    )


class DispatchConfig(Strict):
    travel: TravelConfig = Field(default_factory=TravelConfig)
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    webhook: WebhookConfig | None = None
    duty_leader: Identifier | None = Field(
        None, description="user id of the township duty leader paged on escalation"
    )
    duty_leader_phone: str | None = Field(
        None, min_length=3, max_length=32, description="where the gateway pages the duty leader"
    )
