#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine (root, no Docker engine):
# Debian packages the test servers need, then a virtualenv in .venv with roachlift installed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
dpkg -s postgresql-15 >/dev/null 2>&1 || need_pkgs+=(postgresql-15)
dpkg -s postgresql-15-wal2json >/dev/null 2>&1 || need_pkgs+=(postgresql-15-wal2json)
dpkg -s mariadb-server >/dev/null 2>&1 || need_pkgs+=(mariadb-server)
dpkg -s default-libmysqlclient-dev >/dev/null 2>&1 || need_pkgs+=(default-libmysqlclient-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need_pkgs+=(pkg-config)
# the Celery broker of the many-workers test (the harness starts its own redis-server)
dpkg -s redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    echo "roachlift setup: installing Debian packages: ${need_pkgs[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # Service start-up scripts are not wanted here: the test harness starts its own servers.
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

# Debian chromium + chromium-driver for the UI test (headless; Playwright drives the system browser).
bash scripts/install-chromium.sh

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.roachlift-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
    .venv/bin/python -m pip install -q -e '.[dev]'
    touch "$stamp"
fi
