"""Run the real hub as a subprocess (`python -m firegrid serve`), as an operator would."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import UNIT

DEMO = Path(__file__).resolve().parents[1] / "firegrid" / "demo" / "township.yaml"
URL_LINE = re.compile(r"firegrid: console at (http://[^/]+)/\?token=(\S+)")


def township(cameras: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    """The demo township's grid, teams and users with the given cameras."""
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["cameras"] = cameras
    data.update(overrides)
    return data


def camera(camera_id: str, source: str, grid: str = "330106003001") -> dict[str, Any]:
    return {
        "id": camera_id,
        "name": f"测试摄像头 {camera_id}",
        "source": source,
        "grid": grid,
        "location": [120.1405, 30.2812],
    }


class HubProcess:
    """`firegrid serve` on a free port; `base` is its http://host:port."""

    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        self.config_path = workdir / "township.yaml"
        self.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        self.data_dir = workdir / "data"
        self.log_path = workdir / "hub.log"
        self.base = ""
        self.token = ""
        self._proc: subprocess.Popen[str] | None = None
        self._pump_thread: threading.Thread | None = None
        self._lines: list[str] = []

    def start(self) -> HubProcess:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "firegrid", "serve"),
                *("--config", str(self.config_path), "--port", "0", "--data", str(self.data_dir)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        ready = threading.Event()
        self._pump_thread = threading.Thread(target=self._pump, args=(ready,), daemon=True)
        self._pump_thread.start()
        # the first start on a cold machine imports OpenCV, PyAV and NumPy in three processes
        if not ready.wait(60 * UNIT) or not self.base:
            self.stop()
            raise RuntimeError("hub did not start:\n" + "".join(self._lines[-40:]))
        return self

    def _pump(self, ready: threading.Event) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        with self.log_path.open("w", encoding="utf-8") as log:
            for line in self._proc.stdout:
                self._lines.append(line)
                log.write(line)
                log.flush()
                match = URL_LINE.search(line)
                if match and not ready.is_set():
                    self.base, self.token = match.group(1), match.group(2)
                    ready.set()
        ready.set()

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/ws"

    def output(self) -> str:
        return "".join(self._lines)

    def kill(self) -> None:
        """Crash the hub (SIGKILL): nothing is flushed, closed or said goodbye to."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
        self.stop()

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=20 * UNIT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._pump_thread is not None:
            # the output ends once the workers, which share it, have noticed and left too
            self._pump_thread.join(10 * UNIT)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc = None


def first_event(lines: list[str], event_type: str) -> dict[str, Any] | None:
    for line in lines:
        event: dict[str, Any] = json.loads(line)
        if event.get("type") == event_type:
            return event
    return None


def wait_until(predicate: Any, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
