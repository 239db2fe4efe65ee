#!/bin/sh
# bench/sweep.sh [LINKRIG] [N] -- the sweep's wall time: N (default 200)
# schedules of each sweep scenario in tests/sweep/ against the reference
# camera, with -j the machine's cores. Every schedule must pass (exit 0).
#   sh bench/sweep.sh build/linkrig 200
set -eu
linkrig=${1:-build/linkrig}
n=${2:-200}
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for s in "$here"/tests/sweep/*.yaml; do
    t0=$(date +%s.%N)
    "$linkrig" sweep -n "$n" --quiet --out "$out" "$s"
    t1=$(date +%s.%N)
    printf '%s: %s schedules, -j %s: %.1f s wall\n' "$(basename "$s" .yaml)" "$n" "$(nproc)" \
        "$(echo "$t1 - $t0" | bc)"
done
