#!/usr/bin/env bash
# The main job, from a fresh machine: set-up, build, then run a demo scenario
# (the camera riding out an AP reboot) that leaves captures and a verdict in
# out/. Arguments replace the scenario: tools/demo.sh scenarios/X.yaml [...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
lwip_arg=()
[ -n "${LWIP_DIR:-}" ] && lwip_arg=("-DLWIP_DIR=$LWIP_DIR")
cmake -S . -B build -DLINKRIG_SANITIZE=OFF "${lwip_arg[@]}" >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ $# -eq 0 ]; then
    set -- scenarios/ap_reboot.yaml
fi
exec build/linkrig run --out out "$@"
