#!/usr/bin/env bash
# The demo: builds regsweep, writes a small demo registry store, and collects it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
swift build -c release --product regsweep >/dev/null
exec .build/release/regsweep demo "$@"
