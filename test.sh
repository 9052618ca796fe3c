#!/usr/bin/env bash
# Runs the whole test suite: pytest (Python API, numerics, CLI) and lit
# (FileCheck tests of tigris-opt and the dialect). Installs first if needed.
# Slow benchmark-sized tests are skipped; run them with `./test.sh -m slow`.
# pytest runs in one worker process per core (pytest-xdist, at most 4), each
# test file in one worker; `./test.sh -n 0` runs it in a single process.
set -uo pipefail
cd "$(dirname "$0")"
./setup.sh --install-only || exit 1
.venv/bin/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile "$@"; py=$?
.venv/bin/lit -s test; lt=$?
echo "pytest exit $py, lit exit $lt"
[ $py -eq 0 ] && [ $lt -eq 0 ]
