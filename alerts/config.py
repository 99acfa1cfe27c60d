"""Configuration of users, alert delivery and the 1-3-5 timers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dispatch.config import Identifier, Token

UserRole = Literal["operator", "leader", "admin"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserConfig(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    role: UserRole
    token: Token
    scope: list[Identifier] = Field(
        default_factory=list,
        description="grid cell codes this user sees (with their sub-cells); empty means all",
    )
    language: Literal["zh", "en"] = "zh"


class TimersConfig(Strict):
    """The local "1-3-5" norm: respond in 1 min, on scene in 3, under control in 5."""

    response_s: float = Field(60.0, gt=0)
    arrival_s: float = Field(180.0, gt=0)
    control_s: float = Field(300.0, gt=0)


class AlertsConfig(Strict):
    dedup_window_s: float = Field(
        300.0, ge=0, description="detections in the same cell within this join the incident"
    )
    timers: TimersConfig = Field(default_factory=TimersConfig)
    client_queue: int = Field(1000, ge=10, le=100_000, description="per-client send queue")
    client_buffer_bytes: int = Field(
        1 << 20,
        ge=1 << 12,
        le=1 << 30,
        description="unsent bytes a caught-up client may have buffered before it is too slow",
    )
    heartbeat_s: float = Field(15.0, gt=0, le=300)
    recent_events: int = Field(
        4096, ge=0, le=1_000_000, description="last events kept in memory to replay without I/O"
    )
    timer_tick_s: float = Field(1.0, gt=0, le=60, description="how often the 1-3-5 timers run")


class StorageConfig(Strict):
    backend: Literal["sqlite", "redis"] = "sqlite"
    redis_url: str | None = Field(None, pattern=r"^rediss?://")
    redis_prefix: str = Field(
        "firegrid",
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="prefix of every Redis key this hub writes (several hubs can share a Redis)",
    )
