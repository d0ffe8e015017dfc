#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (playwright-core drives it; npm downloads
# no browser). Installed only when missing and CHROMIUM_PATH names none.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "== installing Chromium from Debian's packages (apt-get install chromium)"
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
else
  echo "Chromium is missing and cannot be installed here: apt-get install chromium, or set CHROMIUM_PATH" >&2
  exit 1
fi
