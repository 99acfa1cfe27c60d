"""docker-compose.yml and its township file agree (no Docker engine runs on CI machines: the
containers themselves are not started here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from firegrid.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def test_compose_runs_redis_the_hub_and_a_camera() -> None:
    services = compose()["services"]
    assert set(services) == {"redis", "hub", "camera"}
    assert set(services["hub"]["depends_on"]) == {"redis", "camera"}
    camera_file = ROOT / services["camera"]["build"]["dockerfile"]
    assert "rtsp_testserver.py" in camera_file.read_text("utf-8")
    for copied in re.findall(r"^COPY (.+) \./$", camera_file.read_text("utf-8"), re.M):
        for path in copied.split():
            assert (ROOT / path).exists(), path


def test_the_hub_township_is_wired_by_the_compose_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = compose()["services"]["hub"]["environment"]
    township = ROOT / "deploy" / "township.yaml"
    referenced = set(re.findall(r"\$\{(\w+)", township.read_text("utf-8")))
    assert referenced == set(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = load_config(township)
    assert config.storage.backend == "redis"
    assert config.storage.redis_url == env["FIREGRID_REDIS_URL"]
    assert [c.source for c in config.cameras] == [env["FIREGRID_CAMERA_URL"]]
