#!/usr/bin/env bash
# Installs everything into .venv (Python 3.11), then runs the main job: builds
# a zoo model and prints its memory plan. `./setup.sh --install-only` stops
# after installing. Safe to run again: it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || { echo "setup.sh: $PY not found (TiGrIS-MLIR needs CPython 3.11)" >&2; exit 2; }
stamp=.venv/.tigris-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi
# The simulated Xtensa core (`tigris simulate`, its tests): Debian packages and
# the QEMU instruction-count plugin; idempotent.
tools/iss/install-deps.sh
[ "${1:-}" = "--install-only" ] && exit 0
model=$(.venv/bin/python test/models/zoo.py mobilenet_v1_1.0_128)
.venv/bin/tigris analyze "$model" -m 128K -f 16M
