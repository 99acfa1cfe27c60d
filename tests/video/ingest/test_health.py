"""The camera health machine, driven with data and a fake clock."""

from __future__ import annotations

import random

import pytest

from video.config import IngestConfig
from video.ingest.health import TRANSITIONS, HealthMachine, HealthPolicy, backoff_delay

POLICY = HealthPolicy(
    stall_after_s=1.5, offline_after_s=10.0, backoff_initial_s=0.5, backoff_max_s=8
)


def state(m: HealthMachine) -> str:
    return m.state  # read through a function: mypy would keep an earlier narrowing


def machine(now: float = 0.0) -> HealthMachine:
    return HealthMachine("cam", POLICY, now, random.Random(7))


def test_policy_reports_stalls_before_the_read_timeout() -> None:
    policy = HealthPolicy.from_config(IngestConfig(read_timeout_s=3.0, offline_after_s=20))
    assert policy.stall_after_s < 3.0
    assert policy.offline_after_s == 20
    assert policy.backoff_max_s == 30


def test_first_packet_brings_the_camera_online() -> None:
    m = machine()
    assert m.state == "connecting"
    assert m.packet(0.3, 1000) is True
    assert (m.state, m.since) == ("online", 0.3)
    assert m.packet(0.34, 1000) is False


def test_silence_stalls_then_a_loss_reconnects_then_offline() -> None:
    m = machine()
    m.packet(1.0, 500)
    assert m.tick(2.4) is False
    assert m.tick(2.5) is True and state(m) == "stalled"
    m.lost(4.0, "read failed: timeout")
    assert state(m) == "connecting" and m.error == "read failed: timeout"
    assert m.tick(10.9) is False
    assert m.tick(11.0) is True and state(m) == "offline"
    # While offline, further failed attempts keep it offline.
    m.lost(12.0, "cannot open")
    assert state(m) == "offline"


def test_recovery_after_offline_is_online_and_clears_the_error() -> None:
    m = machine()
    m.lost(1.0, "cannot open")
    m.tick(10.0)
    assert state(m) == "offline"
    m.connect_attempt()
    m.connect_attempt()
    assert m.packet(20.0, 100) is True
    assert (m.state, m.since, m.error) == ("online", 20.0, None)
    assert m.reconnects == 1


def test_a_camera_that_never_answers_goes_offline_from_start() -> None:
    m = machine(now=100.0)
    assert m.tick(109.9) is False and m.state == "connecting"
    assert m.tick(110.0) is True and state(m) == "offline"


def test_every_state_can_recover_on_a_packet() -> None:
    assert all(TRANSITIONS[state]["packet"] == "online" for state in TRANSITIONS)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for failures, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (12, 8.0)]:
        delays = [backoff_delay(POLICY, failures, rng) for _ in range(200)]
        assert min(delays) >= base / 2
        assert max(delays) <= base
        assert max(delays) - min(delays) > base / 4  # jitter spreads the reconnections


def test_backoff_resets_once_packets_flow() -> None:
    m = machine()
    for _ in range(6):
        m.lost(0.0, "x")
    assert m.lost(0.0, "x") > 4.0
    m.packet(1.0, 10)
    assert m.lost(2.0, "x") <= 0.5


def test_report_averages_rates_since_the_previous_report() -> None:
    m = machine()
    m.report(0.0)
    for i in range(50):
        m.packet(i * 0.04, 5000)
        if i % 5 == 0:
            m.analysed()
    m.dropped(3)
    m.decode_error()
    report = m.report(2.0)
    assert report.input_fps == pytest.approx(25.0)
    assert report.analysed_fps == pytest.approx(5.0)
    assert report.bitrate_kbps == pytest.approx(50 * 5000 * 8 / 1000 / 2.0)
    assert (report.dropped_frames, report.decode_errors) == (3, 1)
    assert report.last_frame_age_s == pytest.approx(2.0 - 49 * 0.04)
    peek = m.report(2.5, advance=False)  # a state change or a status query: same window
    assert peek.input_fps == report.input_fps and peek.last_frame_age_s == pytest.approx(0.54)
    # No packet for a second, still online (a read pause, perhaps): the window stays open.
    assert m.report(3.0).input_fps == pytest.approx(25.0)
    assert m.tick(3.5) and state(m) == "stalled"
    quiet = m.report(4.0)
    assert quiet.input_fps == 0.0 and quiet.dropped_frames == 3


@pytest.mark.parametrize("burst_every", [60, 120])
def test_rates_follow_stream_time_when_packets_come_in_bursts(burst_every: int) -> None:
    """A 25 fps camera read in bursts 0.6 or 1.2 s apart, analysed at 10 fps, reported every
    second: a window of wall time holds no burst, one or two, yet every report after the first
    burst says 25 and about 10."""
    m = machine()
    reports = []
    frame = 0
    for step in range(1, 1001):  # 10 s in steps of 10 ms
        now = step / 100
        if step % burst_every == 0:  # a burst: the frames up to now
            while frame * 0.04 < now - 1e-9:
                m.packet(now, 1000, t=frame * 0.04)
                if frame % 5 in (0, 2):  # 10 of each 25
                    m.analysed(frame * 0.04)
                frame += 1
        if step % 100 == 5:
            reports.append(m.report(now))
    assert len(reports) == 10
    assert [r.input_fps for r in reports[: burst_every // 60]] == [0.0] * (burst_every // 60)
    steady = reports[burst_every // 60 :]
    assert [r.input_fps for r in steady] == pytest.approx([25.0] * len(steady))
    assert [r.bitrate_kbps for r in steady] == pytest.approx([25 * 1000 * 8 / 1000] * len(steady))
    assert all(9.0 <= r.analysed_fps <= 11.0 for r in steady)


def test_a_restarted_stream_clock_falls_back_to_wall_time() -> None:
    m = machine()
    m.report(0.0)
    for i in range(25):
        m.packet(i * 0.04, 100, t=1000.0 + i * 0.04)
    m.report(1.0)
    for i in range(25):  # reconnected: the camera's clock starts again at 0
        m.packet(1.0 + i * 0.04, 100, t=i * 0.04)
    assert m.report(2.0).input_fps == pytest.approx(25.0)


def test_a_chosen_pause_between_reads_is_not_silence() -> None:
    m = machine()
    m.packet(1.0, 500)
    m.pausing(1.1, 1.2)  # reading resumes at 2.3
    m.pausing(1.2, 0.1)  # a pause that ends sooner does not move the silence back
    assert m.tick(2.6) is False and state(m) == "online"
    assert m.next_check() == pytest.approx(2.3 + POLICY.stall_after_s)
    assert m.tick(3.79) is False
    assert m.tick(3.8) is True and state(m) == "stalled"
    assert m.next_check() == pytest.approx(2.3 + POLICY.offline_after_s)


def test_next_check_is_the_next_timed_transition() -> None:
    m = machine(now=5.0)
    assert m.next_check() == 5.0 + POLICY.offline_after_s  # connecting: only offline is timed
    m.packet(6.0, 100)
    assert m.next_check() == 6.0 + POLICY.stall_after_s
    m.tick(6.0 + POLICY.offline_after_s)
    assert state(m) == "offline" and m.next_check() == float("inf")
