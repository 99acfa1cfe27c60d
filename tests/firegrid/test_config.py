"""The township file: valid files load, every kind of mistake is named by its path."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from firegrid.config import ConfigError, ConfigProblem, expand_env, load_config, parse_config

DEMO = Path(__file__).resolve().parents[2] / "firegrid" / "demo" / "township.yaml"


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    return data


def problems_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, Path("t.yaml"))
    return {p.path: p.message for p in info.value.problems}


def test_demo_township_loads_with_sources_resolved() -> None:
    config = load_config(DEMO)
    assert config.township == "330106003"
    assert len(config.cameras) == 6
    assert len(config.teams) == 6
    assert {c.level for c in config.cells()} == {"city", "district", "township", "community"}
    assert all(Path(c.source).is_absolute() for c in config.cameras)


def test_camera_in_unknown_cell_is_named() -> None:
    data = demo_data()
    data["cameras"][3]["grid"] = "nowhere"
    assert problems_of(data) == {"cameras[3].grid": "unknown grid cell 'nowhere'"}


def test_duplicate_ids_and_tokens_are_named() -> None:
    data = demo_data()
    data["cameras"][1]["id"] = data["cameras"][0]["id"]
    data["users"][1]["token"] = data["users"][0]["token"]
    found = problems_of(data)
    assert "cameras[1].id" in found
    assert "already used by cameras[0]" in found["cameras[1].id"]
    assert found["users[1].token"] == "the same token is used by users[0]"


def test_unknown_field_and_bad_value_are_named() -> None:
    data = demo_data()
    data["cameras"][0]["sensitivty"] = "high"
    data["teams"][2]["kind"] = "firemen"
    found = problems_of(data)
    assert found["cameras[0].sensitivty"].startswith("unknown field")
    assert "patrol" in found["teams[2].kind"]


def test_grid_levels_must_follow_the_four_level_order() -> None:
    data = demo_data()
    bad = copy.deepcopy(data)
    bad["grid"]["children"][0]["level"] = "community"
    found = problems_of(bad)
    assert found["grid.children[0].level"] == "'community' under a 'city'; expected 'district'"


def test_missing_required_field() -> None:
    data = demo_data()
    del data["users"]
    assert problems_of(data) == {"users": "required field is missing"}


def test_unreadable_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\ncameras: [\n  - {id: a\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "not valid YAML" in info.value.problems[0].message
    assert info.value.problems[0].path.startswith("line ")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from firegrid.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_config_cli_accepts_the_demo() -> None:
    result = run_cli("check-config", str(DEMO))
    assert result.returncode == 0, result.stderr
    assert "6 cameras" in result.stdout


def test_check_config_cli_exits_2_naming_the_field_without_traceback(tmp_path: Path) -> None:
    data = demo_data()
    data["cameras"][3]["grid"] = "nowhere"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_cli("check-config", str(path))
    assert result.returncode == 2
    assert f"{path}: invalid township configuration" in result.stderr
    assert "cameras[3].grid: unknown grid cell 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr


def test_environment_variables_fill_values_and_missing_ones_are_named() -> None:
    data = {"storage": {"redis_url": "${REDIS:-redis://localhost:6379/0}"}, "a": ["${CAM}"]}
    expanded, problems = expand_env(data, {"CAM": "rtsp://camera:8554/fire"})
    assert expanded == {
        "storage": {"redis_url": "redis://localhost:6379/0"},
        "a": ["rtsp://camera:8554/fire"],
    }
    assert problems == []
    _, problems = expand_env(data, {})
    assert problems == [ConfigProblem("a[0]", "environment variable CAM is not set")]
