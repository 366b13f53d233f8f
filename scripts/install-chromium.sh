#!/usr/bin/env bash
# Idempotent: install Debian's headless-capable Chromium and its driver for the UI test
# (tests/ui). Does nothing when both packages are already installed.
set -euo pipefail

need_pkgs=()
dpkg -s chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
dpkg -s chromium-driver >/dev/null 2>&1 || need_pkgs+=(chromium-driver)
if [ "${#need_pkgs[@]}" -eq 0 ]; then
    exit 0
fi
echo "roachlift: installing Debian packages for the UI test: ${need_pkgs[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
command -v chromium >/dev/null || { echo "chromium still missing after apt-get install" >&2; exit 1; }
