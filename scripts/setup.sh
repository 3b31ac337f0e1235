#!/usr/bin/env bash
# Installs what Tunestep needs on a Debian machine that has Node.js: python3 (the example trials and the
# test fixtures are Python scripts) and the npm dependencies (npm ci also builds dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get install -y python3
fi
npm ci --no-audit --no-fund
