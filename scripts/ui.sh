#!/usr/bin/env bash
# Start the demo databases and an Airflow UI on the roachlift DAGs (Ctrl-C stops everything).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m roachlift.demo --ui "$@"
