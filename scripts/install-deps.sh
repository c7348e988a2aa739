#!/usr/bin/env bash
# Installs the Debian packages regsweep builds and tests against, if any is missing.
#   libxxhash-dev    XXH3 for `verify --fast` (linked by the CXXHash target: needed to build)
#   docker-registry  the reference registry (distribution 2.8) the tests push to and compare with
#   docker.io        dockerd for the image-store tests
# Usage: scripts/install-deps.sh [build|test]   (build: only what compiling needs)
set -euo pipefail
packages=(libxxhash-dev pkg-config)
if [ "${1:-test}" = test ]; then
    packages+=(docker-registry docker.io)
fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
