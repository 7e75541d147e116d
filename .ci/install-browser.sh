#!/usr/bin/env bash
# Installs the headless Chromium that test/trace-timeline.test.ts drives with playwright-core (Debian's
# chromium-headless-shell), when it is missing. Idempotent; .ci/run calls it before the tests.
set -euo pipefail

if command -v chromium-headless-shell >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium-headless-shell
command -v chromium-headless-shell
