"""`firegrid demo`: the bundled demo township on embedded storage.

The township file and the one real fire clip ship in this folder; the five ordinary scenes are
generated into the data folder on first run (a few seconds), so the package stays small and all
footage but the CC0 clip is firegrid's own.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from firegrid.config import load_config
from firegrid.serve import add_server_arguments, serve
from video import footage

HERE = Path(__file__).parent
SIZE = (640, 360)
FPS = 25.0
SECONDS = 30.0

# clip name -> how to make it (the names are the camera sources in township.yaml)
SCENES: dict[str, Callable[[Path], Path]] = {
    "street-day.mp4": lambda p: footage.cctv_scene(p, SIZE, FPS, SECONDS, 0.3, seed=1),
    "parking.mp4": lambda p: footage.cctv_scene(p, SIZE, FPS, SECONDS, 0.1, seed=2),
    "shops-warm-lights.mp4": lambda p: footage.negative_scene(p, "warm_lights", SIZE, FPS, SECONDS),
    "road-night.mp4": lambda p: footage.negative_scene(p, "headlights", SIZE, FPS, SECONDS),
    "square-red-walker.mp4": lambda p: footage.negative_scene(p, "red_walker", SIZE, FPS, SECONDS),
}


def prepare(data_dir: Path) -> Path:
    """Lay out the demo township in `data_dir`; returns its township file."""
    clips = data_dir / "demo" / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / "clips" / "house6.mp4", clips / "house6.mp4")
    for name, make in SCENES.items():
        target = clips / name
        if not target.exists():
            print(f"firegrid: generating demo footage {name}", file=sys.stderr, flush=True)
            partial = target.with_suffix(".partial.mp4")
            make(partial)
            partial.replace(target)
    township = data_dir / "demo" / "township.yaml"
    shutil.copyfile(HERE / "township.yaml", township)
    return township


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="firegrid demo", description=__doc__)
    add_server_arguments(parser, default_port=8080)
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    config = load_config(prepare(args.data))
    asyncio.run(serve(config, args.data, args.host, args.port))
    return 0
