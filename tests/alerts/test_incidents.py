"""The incident book and camera watch: dedup, corroboration, media, timers; a fake clock."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from alerts.cameras import CameraRef, CameraWatch
from alerts.config import TimersConfig
from alerts.incidents import IncidentBook
from alerts.lifecycle import SYSTEM, Actor
from tests.alerts.conftest import CAM_A, CAM_B, CAM_C, counter_ids, detection
from video.detection import CameraHealth, ClipReady

OPERATOR = Actor("user:op", "operator")


def book(window: float = 300.0) -> IncidentBook:
    return IncidentBook(window, TimersConfig(), counter_ids())


def test_detection_opens_an_incident_with_the_agreed_data() -> None:
    b = book()
    change = b.on_detection(detection(CAM_A, snapshot="/tmp/a.jpg"), CAM_A, 100.0)
    (event,) = change.events
    assert event.type == "incident.opened" and event.seq is None
    assert event.incident_id == change.incident.id and event.grid == "cell-1"
    assert event.data == {
        "camera_id": "cam-a",
        "camera_name": "North gate",
        "kind": "flame",
        "confidence": 0.8,
        "box": [0.1, 0.2, 0.3, 0.4],
        "snapshot": f"/api/incidents/{change.incident.id}/snapshot/0",
        "location": [120.1, 30.2],
        "detection_id": "det-cam-a-1",
        "evidence": ["colour", "flicker"],
        "state": "triggered",
    }
    assert b.get(change.incident.id) is None  # nothing changes before commit
    b.commit(change)
    assert b.get(change.incident.id) == change.incident


def test_same_cell_within_the_window_corroborates() -> None:
    b = book(window=60.0)
    first = b.on_detection(detection(CAM_A), CAM_A, 100.0)
    b.commit(first)
    again = b.on_detection(detection(CAM_B, 2, snapshot="/tmp/b.jpg"), CAM_B, 150.0)
    (event,) = again.events
    assert event.type == "incident.corroborated"
    assert again.incident.id == first.incident.id
    assert event.data["cameras"] == ["cam-a", "cam-b"]
    assert event.data["snapshot"] == f"/api/incidents/{first.incident.id}/snapshot/0"
    b.commit(again)
    # The window slides with each detection: 200 is within 60 s of 150.
    third = b.on_detection(detection(CAM_A, 3), CAM_A, 200.0)
    assert third.incident.id == first.incident.id and third.incident.cameras == ("cam-a", "cam-b")
    b.commit(third)
    late = b.on_detection(detection(CAM_A, 4), CAM_A, 261.0)
    assert late.events[0].type == "incident.opened" and late.incident.id != first.incident.id


def test_other_cells_and_closed_incidents_open_new_ones() -> None:
    b = book()
    first = b.on_detection(detection(CAM_A), CAM_A, 100.0)
    b.commit(first)
    other = b.on_detection(detection(CAM_C), CAM_C, 101.0)
    assert other.events[0].type == "incident.opened"
    closed = b.act(first.incident.id, "false_alarm", OPERATOR, {}, 102.0)
    assert closed is not None
    b.commit(closed)
    assert b.on_detection(detection(CAM_B), CAM_B, 103.0).events[0].type == "incident.opened"


def test_a_camera_that_moved_cells_still_joins_its_incident() -> None:
    b = book()
    b.commit(b.on_detection(detection(CAM_A), CAM_A, 100.0))
    moved = CameraRef(CAM_A.id, CAM_A.name, "cell-9", CAM_A.location)
    assert b.on_detection(detection(moved, 2), moved, 110.0).events[0].type == (
        "incident.corroborated"
    )


def test_clip_becomes_a_media_event() -> None:
    b = book()
    opened = b.on_detection(detection(CAM_A), CAM_A, 100.0)
    b.commit(opened)
    clip = ClipReady("det-cam-a-1", "cam-a", "/tmp/clip.mp4", 5.0, 25.0)
    change = b.on_clip(clip, 130.0)
    assert change is not None
    assert change.incident.clips == ("/tmp/clip.mp4",)
    assert change.events[0].type == "incident.media"
    assert change.events[0].data["clip"] == f"/api/incidents/{opened.incident.id}/clip/0"
    assert b.on_clip(ClipReady("unknown", "cam-a", "/x.mp4", 0, 1), 131.0) is None


def test_tick_raises_each_breach_once() -> None:
    b = book()
    opened = b.on_detection(detection(CAM_A), CAM_A, 0.0)
    b.commit(opened)
    assert b.tick(59.0) == []
    (change,) = b.tick(61.0)
    assert [e.data["timer"] for e in change.events] == ["response"]
    assert change.events[0].data["limit_s"] == 60.0
    b.commit(change)
    assert b.tick(62.0) == []
    step = b.act(opened.incident.id, "dispatch", SYSTEM, {"teams": ["t1"]}, 63.0)
    assert step is not None
    b.commit(step)
    (late,) = b.tick(400.0)
    assert [e.data["timer"] for e in late.events] == ["arrival", "control"]
    assert all(e.audience_teams == ("t1",) for e in late.events)


@given(st.lists(st.tuples(st.sampled_from([CAM_A, CAM_B, CAM_C]), st.floats(0, 100)), max_size=30))
def test_dedup_property(detections: list[tuple[CameraRef, float]]) -> None:
    """With a window longer than the whole run, there is exactly one incident per cell."""
    b = book(window=1000.0)
    now = 0.0
    for n, (camera, gap) in enumerate(detections):
        now += gap
        b.commit(b.on_detection(detection(camera, n), camera, now))
    cells = {camera.grid for camera, _ in detections}
    assert sorted(i.grid for i in b.all()) == sorted(cells)
    for incident in b.all():
        used = {c.id for c, _ in detections if c.grid == incident.grid}
        assert set(incident.cameras) == used
        assert len(incident.detections) == sum(1 for c, _ in detections if c.grid == incident.grid)


def health(state: str) -> CameraHealth:
    return CameraHealth("cam-a", state, 1.0, 25.0, 10.0, 0, 0, 0, None, 900.0)  # type: ignore[arg-type]


def test_camera_watch_raises_changes_only() -> None:
    watch = CameraWatch(counter_ids())
    assert watch.on_health(health("online"), CAM_A, 1.0) is None
    assert watch.on_health(health("stalled"), CAM_A, 2.0) is None
    down = watch.on_health(health("offline"), CAM_A, 3.0)
    assert down is not None and down.type == "camera.offline" and down.grid == "cell-1"
    assert watch.on_health(health("offline"), CAM_A, 4.0) is None
    up = watch.on_health(health("online"), CAM_A, 5.0)
    assert up is not None and up.type == "camera.online"
    assert watch.is_online("cam-a") is True
    first_down = CameraWatch(counter_ids()).on_health(health("offline"), CAM_A, 1.0)
    assert first_down is not None
