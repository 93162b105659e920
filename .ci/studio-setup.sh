#!/usr/bin/env bash
# What the Label Studio and browser tests need (with CI=true they may not skip):
# Debian's Chromium and ChromeDriver, and Label Studio in its own venv, installed by the
# same code `newstag studio start` uses.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
make install
.venv/bin/newstag studio install
