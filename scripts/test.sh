#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages), then runs every test.
# Tests that need docker-registry or dockerd skip with a message when those are absent,
# except under CI=true, where they must run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
swift build --build-tests
swift test --skip-build "$@"
