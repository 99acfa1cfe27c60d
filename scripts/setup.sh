#!/usr/bin/env bash
# Set up firegrid on a Debian machine (as root) and run it: `scripts/setup.sh demo` runs the demo
# township, `scripts/setup.sh test` runs every check CI runs. Installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
shift || true
case "$mode" in
  demo|test) ;;
  *) echo "usage: scripts/setup.sh demo|test [args passed on]" >&2; exit 2 ;;
esac

need_debs=()
want_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" || need_debs+=("$1"); }

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "firegrid needs Python 3.11 or newer as \$PYTHON (found: $("$PYTHON" --version 2>&1))" >&2
  exit 2
fi
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || want_deb python3-venv
if [ "$mode" = test ]; then
  # real parts for the tests: a private redis-server, GStreamer's RTSP server, headless Chromium
  for deb in redis-server python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp \
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
      gstreamer1.0-plugins-ugly gstreamer1.0-libav chromium fonts-noto-cjk; do
    want_deb "$deb"
  done
fi
if [ ${#need_debs[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_debs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_debs[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.firegrid-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # the versions CI tested (constraints.txt), so a new release never changes a run unannounced
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[test]"
  touch "$stamp"
fi

if [ "$mode" = demo ]; then
  exec .venv/bin/firegrid demo "$@"
fi

export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check .; ruff format --check .
echo "== mypy --strict"; mypy
echo "== pytest"
# pytest exits 5 when it collects nothing: that is a failure here, never a silent pass
exec pytest -p no:cacheprovider "$@"
