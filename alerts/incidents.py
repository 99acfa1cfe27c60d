"""The book of incidents: dedup and corroboration of detections, actions, media and timers.

Pure: every method takes `now` and returns a `Change` (the incident after it and the timeline
events to store); nothing changes until the caller stores the events and calls `commit`, so a
storage failure leaves the book as it was. Detections join an open incident when they come from
one of its cameras or from a camera in its grid cell within `dedup_window_s` of its last
detection; otherwise they open a new incident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from alerts.cameras import CameraRef
from alerts.config import TimersConfig
from alerts.events import Event
from alerts.lifecycle import Actor, Incident, TimerName, apply, due_breaches
from video.detection import ClipReady, Detection


@dataclass(frozen=True, slots=True)
class Change:
    incident: Incident
    events: tuple[Event, ...]


def media_url(incident_id: str, kind: str, index: int) -> str:
    """Where the HTTP API serves an incident's snapshot or clip number `index`."""
    return f"/api/incidents/{incident_id}/{kind}/{index}"


class IncidentBook:
    def __init__(
        self, dedup_window_s: float, timers: TimersConfig, new_id: Callable[[], str]
    ) -> None:
        self._window = dedup_window_s
        self._limits: Mapping[TimerName, float] = {
            "response": timers.response_s,
            "arrival": timers.arrival_s,
            "control": timers.control_s,
        }
        self._new_id = new_id
        self._incidents: dict[str, Incident] = {}

    def restore(self, incidents: Iterable[Incident]) -> None:
        for incident in incidents:
            self._incidents[incident.id] = incident

    def get(self, incident_id: str) -> Incident | None:
        return self._incidents.get(incident_id)

    def all(self) -> list[Incident]:
        return sorted(self._incidents.values(), key=lambda i: i.opened_at, reverse=True)

    def commit(self, change: Change) -> None:
        self._incidents[change.incident.id] = change.incident

    def _event(
        self, type_: str, incident: Incident, actor: str, data: dict[str, Any], now: float
    ) -> Event:
        return Event(
            type=type_,
            time=now,
            actor=actor,
            data=data,
            id=self._new_id(),
            incident_id=incident.id,
            grid=incident.grid,
            audience_teams=incident.teams,
        )

    def joinable(self, camera: CameraRef, now: float) -> Incident | None:
        """The open incident a detection from `camera` at `now` corroborates, if any."""
        candidates = [
            i
            for i in self._incidents.values()
            if i.is_open
            and (camera.id in i.cameras or camera.grid == i.grid)
            and now - i.last_detection_at <= self._window
        ]
        return max(candidates, key=lambda i: i.last_detection_at, default=None)

    def on_detection(self, det: Detection, camera: CameraRef, now: float) -> Change:
        found = self.joinable(camera, now)
        if found is None:
            return self._open(det, camera, now)
        snapshots = found.snapshots + ((det.snapshot,) if det.snapshot else ())
        incident = replace(
            found,
            updated_at=now,
            last_detection_at=now,
            confidence=max(found.confidence, det.confidence),
            cameras=tuple(dict.fromkeys((*found.cameras, camera.id))),
            detections=(*found.detections, det.id),
            snapshots=snapshots,
        )
        data = self._detection_data(det, camera, incident, len(found.snapshots))
        data["cameras"] = list(incident.cameras)
        event = self._event("incident.corroborated", incident, "system", data, now)
        return Change(incident, (event,))

    def _open(self, det: Detection, camera: CameraRef, now: float) -> Change:
        incident = Incident(
            id=f"inc-{self._new_id()}",
            state="triggered",
            opened_at=now,
            updated_at=now,
            grid=camera.grid,
            kind=det.kind,
            camera_id=camera.id,
            camera_name=camera.name,
            location=camera.location,
            confidence=det.confidence,
            last_detection_at=now,
            cameras=(camera.id,),
            detections=(det.id,),
            snapshots=(det.snapshot,) if det.snapshot else (),
            reached={"triggered": now},
        )
        data = self._detection_data(det, camera, incident, 0)
        data["state"] = incident.state
        return Change(incident, (self._event("incident.opened", incident, "system", data, now),))

    @staticmethod
    def _detection_data(
        det: Detection, camera: CameraRef, incident: Incident, snapshot_index: int
    ) -> dict[str, Any]:
        return {
            "camera_id": camera.id,
            "camera_name": camera.name,
            "kind": det.kind,
            "confidence": round(det.confidence, 4),
            "box": det.box.to_json(),
            "snapshot": media_url(incident.id, "snapshot", snapshot_index)
            if det.snapshot
            else None,
            "location": list(camera.location),
            "detection_id": det.id,
            "evidence": list(det.evidence),
        }

    def act(
        self, incident_id: str, action: str, actor: Actor, data: Mapping[str, Any], now: float
    ) -> Change | None:
        """The change `actor`'s action makes; None if there is no such incident."""
        found = self._incidents.get(incident_id)
        if found is None:
            return None
        step = apply(found, action, actor, data, now)
        event = self._event("incident.transition", step.incident, actor.id, step.data, now)
        return Change(step.incident, (event,))

    def on_clip(self, clip: ClipReady, now: float) -> Change | None:
        """The clip attached to the incident its detection belongs to, if any."""
        found = next(
            (i for i in self._incidents.values() if clip.detection_id in i.detections), None
        )
        if found is None:
            return None
        incident = replace(found, clips=(*found.clips, clip.path), updated_at=now)
        data = {
            "clip": media_url(found.id, "clip", len(found.clips)),
            "detection_id": clip.detection_id,
            "camera_id": clip.camera_id,
            "duration_s": round(clip.end_t - clip.start_t, 3),
        }
        return Change(incident, (self._event("incident.media", incident, "system", data, now),))

    def tick(self, now: float) -> list[Change]:
        """One change per incident with 1-3-5 timers that ran out since the last commit."""
        changes = []
        for found in self._incidents.values():
            due = due_breaches(found, self._limits, now) if found.is_open else []
            if not due:
                continue
            incident = replace(found, breaches=(*found.breaches, *due))
            events = tuple(
                self._event(
                    "incident.timer_breach",
                    incident,
                    "system",
                    {
                        "timer": timer,
                        "limit_s": self._limits[timer],
                        "elapsed_s": round(now - found.opened_at, 3),
                        "state": found.state,
                    },
                    now,
                )
                for timer in due
            )
            changes.append(Change(incident, events))
        return changes
