#!/usr/bin/env bash
# The README's test command: set-up from nothing, then ruff, mypy and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check plugins dags tests benchmarks
echo "== ruff format --check"; ruff format --check plugins dags tests benchmarks
echo "== mypy"; mypy
echo "== pytest"; pytest "$@"
