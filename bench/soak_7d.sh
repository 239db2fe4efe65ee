#!/bin/sh
# soak_7d.sh [LINKRIG] [OUT]: the week-long soak (bench/soak_7d.yaml: hourly
# AP reboots, 10-minute leases, range walks, wedges, 20 KB/s of uploads) with
# the process's resident memory sampled every virtual hour (--mem-sample),
# then RSS after hour 1, day 1 and day 7 and the wall time. A benchmark: it
# takes many minutes and is never run by the tests (tests/memory_soak.sh
# checks the first day in CI).
set -u
here=$(dirname "$0")
linkrig=${1:-build/linkrig}
out=${2:-out/bench-soak}
t0=$(date +%s)
"$linkrig" run --quiet --sample 0 --mem-sample 1h --out "$out" "$here/soak_7d.yaml"
st=$?
t1=$(date +%s)
mem="$out/soak_7d/mem.tsv"
awk -v wall=$((t1 - t0)) -v st=$st '
    { kb[int($1 / 3600e9 + 0.5)] = $2; heap[int($1 / 3600e9 + 0.5)] = $3 }
    END {
        printf "soak_7d: exit %d, wall %d s\n", st, wall
        printf "RSS after hour 1: %d kB\nRSS after day 1:  %d kB\nRSS after day 7:  %d kB\n", kb[1], kb[24], kb[168]
        printf "live heap after hour 1: %d kB, day 1: %d kB, day 7: %d kB\n", heap[1], heap[24], heap[168]
    }' "$mem"
grep -o '"uploads":[0-9]*' "$out/soak_7d/result.jsonl"
exit $st
