"""The WebSocket protocol against a real hub on a loopback port, with real clients."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from alerts.config import AlertsConfig, StorageConfig
from tests.alerts.conftest import CAM_A, CAM_C, detection, plain_event
from tests.alerts.hubfixtures import (
    OPERATOR,
    RESPONDER,
    SCOPED,
    RunningHub,
    receive_json,
    receive_until,
    run_hub,
)
from tests.conftest import UNIT


async def test_bad_token_is_refused_before_upgrade(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await http.ws_connect(f"{running.url.replace('http', 'ws')}/ws?token=wrong-token")
    assert err.value.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await http.ws_connect(f"{running.url.replace('http', 'ws')}/ws")
    assert err.value.status == 401


async def test_bad_since_is_refused_before_upgrade(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await http.ws_connect(running.ws_url(OPERATOR) + "&since=-3")
    assert err.value.status == 400


async def test_bearer_header_and_hello(running: RunningHub, http: aiohttp.ClientSession) -> None:
    await running.hub.publish(plain_event(1))
    url = f"{running.url.replace('http', 'ws')}/ws"
    headers = {"Authorization": f"Bearer {OPERATOR.token}"}
    async with http.ws_connect(url, headers=headers) as ws:
        hello = await receive_json(ws)
        assert hello["type"] == "hello"
        assert hello["principal"]["id"] == "op"
        assert hello["last_seq"] == 1
        assert hello["since"] is None
        live = await running.hub.publish(plain_event(2))
        frame = await receive_json(ws)
        assert frame["seq"] == live.seq == 2


async def test_replay_then_live_without_gap_or_duplicate(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    for n in range(1, 21):
        await running.hub.publish(plain_event(n))
    async with http.ws_connect(running.ws_url(OPERATOR, since=5)) as ws:
        # Publish while the client is replaying: these race the replay on purpose.
        racing = asyncio.gather(*(running.hub.publish(plain_event(n)) for n in range(21, 41)))
        frames = await receive_until(ws, "replayed")
        await racing
        seqs = [f["seq"] for f in frames if "seq" in f]
        while len(seqs) < 35 or seqs[-1] < 40:
            frame = await receive_json(ws)
            if "seq" in frame:
                seqs.append(frame["seq"])
        assert seqs == list(range(6, 41))


async def test_scope_and_responder_filtering(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    async with (
        http.ws_connect(running.ws_url(SCOPED, since=0)) as scoped,
        http.ws_connect(running.ws_url(RESPONDER, since=0)) as responder,
    ):
        await receive_until(scoped, "replayed")
        await receive_until(responder, "replayed")
        await running.hub.publish(plain_event(1, grid="cell-1"))
        await running.hub.publish(plain_event(2, grid="cell-2"))
        await running.hub.publish(plain_event(3, grid="cell-1", teams=("t1",)))
        await running.hub.publish(plain_event(4, grid="cell-2", teams=("t2",)))
        scoped_seen = [(await receive_json(scoped))["data"]["n"] for _ in range(2)]
        responder_seen = [(await receive_json(responder))["data"]["n"]]
        assert scoped_seen == [2, 4]
        assert responder_seen == [3]
        # Nothing else arrives: a marker visible to both proves the queues are empty.
        await running.hub.publish(plain_event(5, grid="cell-2", teams=("t1",)))
        assert (await receive_json(scoped))["data"]["n"] == 5
        assert (await receive_json(responder))["data"]["n"] == 5


async def test_replay_is_filtered_too(running: RunningHub, http: aiohttp.ClientSession) -> None:
    await running.hub.publish(plain_event(1, grid="cell-1"))
    await running.hub.publish(plain_event(2, grid="cell-2"))
    await running.hub.publish(plain_event(3, grid="cell-1"))
    async with http.ws_connect(running.ws_url(SCOPED, since=0)) as ws:
        frames = await receive_until(ws, "replayed")
        assert [f["data"]["n"] for f in frames if "seq" in f] == [2]
        assert frames[-1]["through"] == 3


async def test_malformed_and_unauthorised_messages_keep_the_connection(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    opened = await running.hub.on_detection(detection(CAM_A), CAM_A)
    incident_id = opened[0].incident_id
    async with http.ws_connect(running.ws_url(RESPONDER)) as ws:
        await receive_json(ws)  # hello
        await ws.send_str("{not json")
        assert (await receive_json(ws))["code"] == "malformed"
        await ws.send_str(json.dumps({"v": 2, "type": "ack", "seq": 1}))
        error = await receive_json(ws)
        assert error["code"] == "malformed" and "v" in error["message"]
        await ws.send_str(json.dumps({"v": 1, "type": "shout"}))
        assert (await receive_json(ws))["code"] == "malformed"
        await ws.send_bytes(b"\x00")
        assert (await receive_json(ws))["code"] == "malformed"
        action = {"v": 1, "type": "action", "id": "r1", "incident_id": incident_id}
        await ws.send_str(json.dumps({**action, "action": "verify"}))
        refused = await receive_json(ws)
        # The responder's team is not on the incident: it is not even visible to them.
        assert (refused["code"], refused["ref"]) == ("not_found", "r1")
        await ws.send_str(json.dumps({"v": 1, "type": "command", "id": "r2", "name": "nope"}))
        assert (await receive_json(ws))["code"] == "not_found"
        await ws.send_str(json.dumps({"v": 1, "type": "ack", "seq": 1}))
        await ws.send_str(json.dumps({"v": 1, "type": "ack", "seq": 999}))
        assert (await receive_json(ws))["code"] == "forbidden"
        assert not ws.closed
    assert running.hub.acked(RESPONDER.id) == 1


async def test_actions_and_commands_over_the_socket(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    seen: list[tuple[str, str | None, dict[str, object]]] = []

    async def accept(principal: object, request: object) -> dict[str, object]:
        from alerts.messages import CommandRequest
        from alerts.principals import Principal

        assert isinstance(principal, Principal) and isinstance(request, CommandRequest)
        seen.append((principal.id, request.incident_id, request.data))
        return {"accepted": True}

    running.hub.register_command("accept", accept)
    opened = await running.hub.on_detection(detection(CAM_C), CAM_C)
    incident_id = opened[0].incident_id
    async with http.ws_connect(running.ws_url(OPERATOR)) as ws:
        await receive_json(ws)
        base = {"v": 1, "type": "action", "incident_id": incident_id}
        await ws.send_str(json.dumps({**base, "id": "a", "action": "verify"}))
        frames = await receive_until(ws, "result")
        assert frames[-1]["ref"] == "a" and frames[-1]["events"] == [2]
        # The result and the event travel separately; either may come first.
        event = frames[0] if len(frames) == 2 else await receive_json(ws)
        assert event["type"] == "incident.transition" and event["data"]["to"] == "verified"
        await ws.send_str(json.dumps({**base, "id": "b", "action": "verify"}))
        refused = await receive_until(ws, "error")
        assert refused[-1]["code"] == "transition_refused"
        assert "'verified'" in refused[-1]["message"] and "'verify'" in refused[-1]["message"]
        command = {"v": 1, "type": "command", "id": "c", "name": "accept"}
        await ws.send_str(json.dumps({**command, "incident_id": incident_id, "data": {"x": 1}}))
        result = await receive_until(ws, "result")
        assert result[-1]["data"] == {"accepted": True}
    assert seen == [("op", incident_id, {"x": 1})]


async def test_slow_client_is_disconnected_and_resumes(
    data_dir: Path, http: aiohttp.ClientSession
) -> None:
    cfg = AlertsConfig(client_queue=10)
    async for running in run_hub(StorageConfig(), data_dir, cfg):
        big = "x" * 200_000
        ws = await http.ws_connect(running.ws_url(OPERATOR, since=0), max_msg_size=0)
        await receive_until(ws, "replayed")
        # The client reads nothing while 150 events of 200 kB each fill every buffer.
        for n in range(150):
            await running.hub.publish(replace(plain_event(n), data={"b": big}))
        seqs: list[int] = []
        async with asyncio.timeout(10 * UNIT):
            while True:
                msg = await ws.receive()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    assert msg.extra and "resume with since=" in msg.extra
                    break
                frame = json.loads(msg.data)
                if "seq" in frame:
                    seqs.append(frame["seq"])
        assert ws.close_code == 4008
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) < 150
        async with http.ws_connect(
            running.ws_url(OPERATOR, since=seqs[-1]), max_msg_size=0
        ) as again:
            frames = await receive_until(again, "replayed", wait_s=10 * UNIT)
            assert [f["seq"] for f in frames if "seq" in f] == list(range(seqs[-1] + 1, 151))


async def test_heartbeats_carry_the_resume_point(
    data_dir: Path, http: aiohttp.ClientSession
) -> None:
    async for running in run_hub(StorageConfig(), data_dir, AlertsConfig(heartbeat_s=0.2)):
        async with http.ws_connect(running.ws_url(SCOPED)) as ws:
            await receive_json(ws)  # hello
            await running.hub.publish(plain_event(1, grid="cell-1"))  # not visible to SCOPED
            while True:
                frame = await receive_json(ws)
                assert frame["type"] == "heartbeat", frame
                if frame["through"] == 1:
                    break


async def test_since_beyond_the_stream_is_reported(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    await running.hub.publish(plain_event(1))
    async with http.ws_connect(running.ws_url(OPERATOR, since=50)) as ws:
        await receive_json(ws)  # hello
        error = await receive_json(ws)
        assert error["code"] == "malformed" and "since=50" in error["message"]
        assert (await receive_json(ws)) == {"v": 1, "type": "replayed", "through": 1}
        await running.hub.publish(plain_event(2))
        assert (await receive_json(ws))["seq"] == 2
