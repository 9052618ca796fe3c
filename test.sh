#!/usr/bin/env bash
# Runs the whole test suite: pytest (Python API, numerics, CLI) and lit
# (FileCheck tests of tigris-opt and the dialect). Installs first if needed.
# Slow benchmark-sized tests are skipped; run them with `./test.sh -m slow`.
set -uo pipefail
cd "$(dirname "$0")"
./setup.sh --install-only || exit 1
.venv/bin/python -m pytest -q "$@"; py=$?
.venv/bin/lit -s test; lt=$?
echo "pytest exit $py, lit exit $lt"
[ $py -eq 0 ] && [ $lt -eq 0 ]
