#!/usr/bin/env bash
# The main job, from a fresh machine: set-up, build, then run the demo camera
# firmware on the rig. Extra arguments go to `linkrig demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
lwip_arg=()
[ -n "${LWIP_DIR:-}" ] && lwip_arg=("-DLWIP_DIR=$LWIP_DIR")
cmake -S . -B build -DLINKRIG_SANITIZE=OFF "${lwip_arg[@]}" >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec build/linkrig demo "$@"
