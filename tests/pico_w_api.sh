#!/bin/sh
# A Pico W program built with SDK pico_w (tests/firmware/pico_w_api.c) runs
# its checks of the layer on the board and says so; its main() stays inside
# the image (hidden), and the run passes.
#   pico_w_api.sh LINKRIG IMAGE SCENARIO OUT
set -eu
linkrig=$1; image=$2; scenario=$3; out=$4
if nm -D --defined-only "$image" | grep -qw main; then
    echo "the image exports main(): it must stay hidden inside the image"; exit 1
fi
"$linkrig" run --out "$out" "$scenario" --firmware "$image"
trace="$out/$(basename "$scenario" .yaml)/trace.jsonl"
grep -q '"line":"api: all checks passed"' "$trace" || {
    echo "no 'api: all checks passed' in the firmware's console:"; grep '"comp":"cam.console"' "$trace" | tail -5; exit 1; }
echo "api: all checks passed"
