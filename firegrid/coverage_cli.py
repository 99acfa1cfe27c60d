"""`firegrid coverage --config FILE`: the grid's blind spots as planned in the township file.

Offline, a configured and enabled camera counts as online and teams sit at their bases; the
running hub's `GET /api/coverage` answers the same question from live camera health and team
positions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dispatch import coverage
from dispatch.coverage import CameraStatus
from dispatch.grid import Grid
from firegrid.config import load_config


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="firegrid coverage", description=__doc__, add_help=False)
    parser.add_argument("--config", type=Path, required=True, help="township YAML file")
    args, rest = parser.parse_known_args(argv)
    config = load_config(args.config)
    cameras = [CameraStatus(c.id, c.grid, c.enabled) for c in config.cameras]
    grid = Grid([config.grid])
    return coverage.cli_main(grid, config.teams, cameras, config.dispatch.travel, rest)
