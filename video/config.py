"""Configuration of the cameras, the ingest pipeline and the detector."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dispatch.config import Coordinate, Identifier

# A point of a mask polygon in image coordinates, each axis scaled to 0..1.
ImagePoint = tuple[Annotated[float, Field(ge=0.0, le=1.0)], Annotated[float, Field(ge=0.0, le=1.0)]]
Sensitivity = Literal["low", "medium", "high"]
Profile = Literal["auto", "day", "night"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CameraConfig(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    source: str = Field(
        min_length=1,
        description="rtsp:// or rtsps:// URL, or a video file played back as if live (looped)",
    )
    grid: Identifier = Field(description="code of the grid cell the camera watches")
    location: Coordinate = Field(description="[lon, lat] of the camera")
    masks: list[Annotated[list[ImagePoint], Field(min_length=3)]] = Field(
        default_factory=list, description="image regions (0..1 coordinates) never analysed"
    )
    sensitivity: Sensitivity = "medium"
    profile: Profile = Field("auto", description="day/night detector profile; auto by scene")
    enabled: bool = True


class IngestConfig(Strict):
    workers: int | None = Field(None, ge=1, le=64, description="worker processes; default cores")
    max_cameras_per_worker: int = Field(
        16,
        ge=1,
        le=256,
        description="more cameras than this per worker process start more workers than cores",
    )
    preroll_s: float = Field(10.0, ge=0, le=120)
    postroll_s: float = Field(10.0, ge=0, le=120)
    open_timeout_s: float = Field(5.0, gt=0, le=60)
    read_timeout_s: float = Field(3.0, gt=0, le=60)
    backoff_max_s: float = Field(30.0, gt=0, le=600)
    offline_after_s: float = Field(
        60.0, gt=0, description="a camera down this long raises camera_offline"
    )
    activity_gate: bool = Field(
        False, description="decode only keyframes while a camera's scene is still"
    )


class DetectorConfig(Strict):
    analysis_fps: float = Field(10.0, gt=0, le=30)
    analysis_width: int = Field(320, ge=96, le=1920)
    work_width: int = Field(
        192, ge=64, le=640, description="width of the small image the classical stages run on"
    )
    window_s: float = Field(
        2.0, gt=0, le=30, description="an alarm needs evidence in half of this window"
    )
    smoke_window_s: float = Field(
        4.0, gt=0, le=60, description="smoke drifts slowly: its evidence window is longer"
    )
    smoke_fps: float = Field(
        5.0,
        gt=0,
        le=30,
        description=(
            "the smoke stage runs at most this often: smoke drifts over seconds, and on a busy"
            " street the stage costs a third of the detector"
        ),
    )
    cooldown_s: float = Field(60.0, ge=0, le=3600, description="quiet time after an alarm ends")
    verify_interval_s: float = Field(
        1.0, gt=0, le=10, description="how often each candidate region is re-scored by the verifier"
    )
    verify_settled_s: float = Field(
        5.0,
        gt=0,
        le=60,
        description="how often while the kind's alarm is up or cooling down (none can rise then)",
    )
    settled_fps: float = Field(
        2.5,
        gt=0,
        le=30,
        description=(
            "analysis rate while one of the camera's alarms is up or cooling down: its incident"
            " is open, and a burning camera analysed at the full rate costs more than its decoding"
        ),
    )
    idle_fps: float = Field(
        5.0,
        gt=0,
        le=30,
        description=(
            "analysis rate while no flame or smoke candidate is followed: the first one seen"
            " brings the full rate back at once, and backgrounds learn at the same pace per second"
        ),
    )
    flicker_min: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description=(
            "lag-1 share a flame candidate's pixels need at the stream's full frame rate;"
            " 0 (the default) turns the flicker stage off: on footage outside the evaluation set"
            " it did not tell flames from nuisances (video/detector/flame_flicker.py)"
        ),
    )
    use_verifier: bool = Field(True, description="score candidates with the learned verifier")
