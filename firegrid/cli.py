"""The `firegrid` command: one entry point, each sub-command delegated to the package owning it.

Sub-commands parse their own arguments (`cli_main(argv)` in their package), so `firegrid eval
--help` shows the evaluator's own help. Errors the operator must fix (FiregridError) are printed
without a traceback and exit with 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from firegrid.config import ConfigError, load_config
from firegrid.errors import FiregridError

# name -> "module:function" taking argv and returning an exit code; imported on use so that
# `firegrid check-config` does not load OpenCV and `firegrid watch` does not load PyAV.
DELEGATES = {
    "serve": "firegrid.serve:cli_main",
    "demo": "firegrid.demo:cli_main",
    "watch": "alerts.watch:cli_main",
    "eval": "video.evaluate:cli_main",
    "coverage": "firegrid.coverage_cli:cli_main",
}
BENCHES = {
    "ingest": "video.ingest_bench:cli_main",
    "capacity": "video.capacity_bench:cli_main",
    "detector": "video.detector.bench:cli_main",
    "fanout": "alerts.bench_fanout:cli_main",
    "ranking": "dispatch.bench:cli_main",
}

USAGE = """usage: firegrid COMMAND [ARGS]

commands:
  demo          run the bundled demo township (embedded storage) and print the console URL
  serve         run a hub for a township file: firegrid serve --config FILE
  check-config  validate a township file: firegrid check-config FILE
  watch         print every event of a hub as JSON lines: firegrid watch --url URL --token T
  coverage      grid cells with no online camera or no team within 3 minutes
  eval          evaluate the detector on a manifest of clips: firegrid eval MANIFEST
  bench         benchmarks printing JSON: firegrid bench {ingest,capacity,detector,fanout,ranking}

Run `firegrid COMMAND --help` for a command's options.
"""


def _load(target: str) -> Callable[[list[str]], int]:
    module_name, _, func = target.partition(":")
    module = importlib.import_module(module_name)
    entry: Callable[[list[str]], int] = getattr(module, func)
    return entry


def check_config(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="firegrid check-config")
    parser.add_argument("file", type=Path, help="township YAML file")
    args = parser.parse_args(argv)
    config = load_config(args.file)
    print(
        f"{args.file}: ok — {config.name}: {sum(1 for _ in config.cells())} grid cells, "
        f"{len(config.cameras)} cameras, {len(config.teams)} teams, {len(config.users)} users"
    )
    return 0


def run(argv: Sequence[str]) -> int:
    args = list(argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "check-config":
        return check_config(rest)
    if command == "bench":
        if not rest or rest[0] not in BENCHES:
            print(f"usage: firegrid bench {{{','.join(BENCHES)}}} [ARGS]", file=sys.stderr)
            return 2
        return _load(BENCHES[rest[0]])(rest[1:])
    if command not in DELEGATES:
        print(f"firegrid: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    return _load(DELEGATES[command])(rest)


def main() -> None:
    try:
        code = run(sys.argv[1:])
    except ConfigError as err:
        print(err.render(), file=sys.stderr)
        code = 2
    except FiregridError as err:
        print(f"firegrid: {err}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
