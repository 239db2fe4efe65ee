#!/usr/bin/env bash
# The main job, from a fresh machine: set-up, build, then run a demo scenario
# (the camera riding out an AP reboot) that leaves captures and a verdict in
# out/. Arguments replace the scenario: tools/demo.sh scenarios/X.yaml [...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
lwip_arg=()
[ -n "${LWIP_DIR:-}" ] && lwip_arg=("-DLWIP_DIR=$LWIP_DIR")
mkdir -p build
# Quiet when all is well (lwIP's own CMake chatters); the whole log on failure.
if ! { cmake -S . -B build -DLINKRIG_SANITIZE=OFF "${lwip_arg[@]}" && cmake --build build -j"$(nproc)"; } \
        >build/demo-build.log 2>&1; then
    cat build/demo-build.log >&2
    echo "demo: the build failed (log above, also in build/demo-build.log)" >&2
    exit 1
fi
if [ $# -eq 0 ]; then
    set -- scenarios/ap_reboot.yaml
fi
exec build/linkrig run --report --out out "$@"
