#!/usr/bin/env bash
# Fetches the Kafka broker jars from Maven Central into the jar cache (~/.cache/aisle, or
# $AISLE_CACHE_DIR) before the tests, so a download failure shows as its own step and the
# test setup only starts the broker. Needs the built CLI (npm ci builds it), java and mvn.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== kafka jars ($(java -version 2>&1 | head -n 1), mvn at $(command -v mvn || echo 'nowhere'))"
node dist/src/cli/main.js kafka fetch
