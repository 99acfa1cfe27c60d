"""The township file: one YAML document that configures a whole firegrid hub.

Each package owns the models of its part (`dispatch.config`, `video.config`, `alerts.config`);
this module composes them and checks what no single part can: references between parts, ids and
tokens unique across the file, and the order of grid levels. Loading never raises a traceback at
the user; it raises `ConfigError` with one `ConfigProblem` per wrong field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from alerts.config import AlertsConfig, StorageConfig, UserConfig
from dispatch.config import DispatchConfig, GridCellConfig, Identifier, TeamConfig
from firegrid.errors import FiregridError
from video.config import CameraConfig, DetectorConfig, IngestConfig

CHILD_LEVEL = {"city": "district", "district": "township", "township": "community"}


class TownshipConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = Field(description="schema version of this file")
    name: str = Field(min_length=1, description="the township's display name")
    name_en: str | None = None
    grid: GridCellConfig = Field(description="the root cell (city) of the four-level grid")
    township: Identifier = Field(description="code of the township cell this hub serves")
    cameras: list[CameraConfig] = Field(default_factory=list)
    teams: list[TeamConfig] = Field(default_factory=list)
    users: list[UserConfig] = Field(min_length=1)
    dispatch: DispatchConfig = Field(default_factory=DispatchConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)

    def cells(self) -> Iterator[GridCellConfig]:
        for _, cell in self._walk():
            yield cell

    def _walk(self) -> Iterator[tuple[str, GridCellConfig]]:
        """Every cell with its path in the file, parents before children."""
        stack = [("grid", self.grid)]
        while stack:
            path, cell = stack.pop()
            yield path, cell
            stack.extend(
                (f"{path}.children[{i}]", child)
                for i, child in reversed(list(enumerate(cell.children)))
            )

    @model_validator(mode="after")
    def _cross_references(self) -> TownshipConfig:
        problems: list[str] = []
        if self.grid.level != "city":
            problems.append("grid.level: the root cell must have level 'city'")
        codes: set[str] = set()
        for path, cell in self._walk():
            if cell.code in codes:
                problems.append(f"{path}.code: cell code {cell.code!r} is used twice")
            codes.add(cell.code)
            for i, child in enumerate(cell.children):
                if CHILD_LEVEL.get(cell.level) != child.level:
                    problems.append(
                        f"{path}.children[{i}].level: {child.level!r} under a {cell.level!r}; "
                        f"expected {CHILD_LEVEL.get(cell.level, 'no children')!r}"
                    )
        if self.township not in codes:
            problems.append(f"township: {self.township!r} is not a grid cell code")
        for i, cam in enumerate(self.cameras):
            if cam.grid not in codes:
                problems.append(f"cameras[{i}].grid: unknown grid cell {cam.grid!r}")
        for i, team in enumerate(self.teams):
            if team.grid not in codes:
                problems.append(f"teams[{i}].grid: unknown grid cell {team.grid!r}")
        for i, user in enumerate(self.users):
            for code in user.scope:
                if code not in codes:
                    problems.append(f"users[{i}].scope: unknown grid cell {code!r}")
        user_ids = {u.id for u in self.users}
        if self.dispatch.duty_leader is not None and self.dispatch.duty_leader not in user_ids:
            problems.append(f"dispatch.duty_leader: unknown user {self.dispatch.duty_leader!r}")
        if self.storage.backend == "redis" and self.storage.redis_url is None:
            problems.append("storage.redis_url: required when storage.backend is 'redis'")
        problems.extend(self._duplicates())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _duplicates(self) -> list[str]:
        problems: list[str] = []
        ids: dict[str, str] = {}
        tokens: dict[str, str] = {}
        members = [
            (f"teams[{t}].members[{m}]", member.id, member.token)
            for t, team in enumerate(self.teams)
            for m, member in enumerate(team.members)
        ]
        entries = (
            [(f"cameras[{i}]", c.id, None) for i, c in enumerate(self.cameras)]
            + [(f"teams[{i}]", t.id, None) for i, t in enumerate(self.teams)]
            + [(f"users[{i}]", u.id, u.token) for i, u in enumerate(self.users)]
            + members
        )
        for where, ident, token in entries:
            if ident in ids:
                problems.append(f"{where}.id: {ident!r} is already used by {ids[ident]}")
            ids.setdefault(ident, where)
            if token is not None:
                if token in tokens:
                    problems.append(f"{where}.token: the same token is used by {tokens[token]}")
                tokens.setdefault(token, where)
        return problems


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    path: str
    message: str


class ConfigError(FiregridError):
    """The township file cannot be used; `problems` says where and why."""

    def __init__(self, file: Path, problems: list[ConfigProblem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.file}: invalid township configuration"]
        lines += [f"  {p.path}: {p.message}" for p in self.problems]
        return "\n".join(lines)


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def _problems_of(err: ValidationError) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for item in err.errors():
        loc = tuple(p for p in item["loc"] if p not in ("function-after",))
        msg = item["msg"]
        if item["type"] == "value_error" and not loc:
            # cross-reference problems arrive as one message, a line each: "path: text"
            text = msg.removeprefix("Value error, ")
            for part in text.split("\n"):
                path, _, rest = part.partition(": ")
                problems.append(ConfigProblem(path, rest))
            continue
        if item["type"] == "extra_forbidden":
            msg = "unknown field; remove it or check its spelling"
        elif item["type"] == "missing":
            msg = "required field is missing"
        problems.append(ConfigProblem(_location(loc), msg))
    return problems


def parse_config(data: Any, file: Path) -> TownshipConfig:
    if not isinstance(data, dict):
        raise ConfigError(file, [ConfigProblem("(top level)", "expected a mapping of fields")])
    try:
        return TownshipConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(file, _problems_of(err)) from None


def load_config(file: Path) -> TownshipConfig:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(file, [ConfigProblem("(file)", f"cannot read: {err.strerror}")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(file, [ConfigProblem(where, f"not valid YAML: {problem}")]) from None
    data, problems = expand_env(data, os.environ)
    if problems:
        raise ConfigError(file, problems)
    config = parse_config(data, file)
    return _resolve_sources(config, file.parent)


ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(
    data: Any, env: Mapping[str, str], path: str = ""
) -> tuple[Any, list[ConfigProblem]]:
    """Replace `${NAME}` and `${NAME:-default}` in string values, so containers wire by env."""
    problems: list[ConfigProblem] = []

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        problems.append(
            ConfigProblem(path or "(top level)", f"environment variable {name} is not set")
        )
        return match.group(0)

    if isinstance(data, str):
        return ENV_REF.sub(substitute, data), problems
    if isinstance(data, list):
        items = []
        for i, item in enumerate(data):
            value, found = expand_env(item, env, f"{path}[{i}]")
            items.append(value)
            problems += found
        return items, problems
    if isinstance(data, dict):
        out = {}
        for key, item in data.items():
            value, found = expand_env(item, env, f"{path}.{key}" if path else str(key))
            out[key] = value
            problems += found
        return out, problems
    return data, problems


def _resolve_sources(config: TownshipConfig, base: Path) -> TownshipConfig:
    """Camera files are relative to the township file, as a person writing it expects."""
    cameras = []
    for cam in config.cameras:
        if "://" in cam.source or Path(cam.source).is_absolute():
            cameras.append(cam)
        else:
            cameras.append(cam.model_copy(update={"source": str((base / cam.source).resolve())}))
    return config.model_copy(update={"cameras": cameras})
