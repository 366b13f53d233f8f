#!/usr/bin/env bash
# The README's main-job command: set-up from nothing, then the roachlift demo migration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m roachlift.demo "$@"
