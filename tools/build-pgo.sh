#!/usr/bin/env bash
# tools/build-pgo.sh [DIR]    (default: build-pgo)
#
# A Release build of linkrig and the bundled images, optimised with GCC's
# profile feedback: the tree is built once with counters
# (-fprofile-generate), that binary runs the scenario library (every
# scenarios/*.yaml but the 24-hour soak: the workloads users run, not the
# benchmark's), and the tree is built again from those counts
# (-fprofile-use), which lays out hot paths and branch order by what the
# runs did. Nothing a run computes depends on it: the script ends by
# checking the golden outputs (tests/golden_outputs.sh), the same bytes as
# any other build.
#
# The benchmark figures of the performance table are given for this build
# and for a plain Release build (README, "Benchmarks"). Needs gcc 10 or
# later; takes two builds and about a minute of training runs. DIR is
# relative to where you run it; use a new directory or one this script made
# (another build's settings are replaced), and a path without spaces (gcc
# takes the profile's path inside the compiler flags).
#   LWIP_DIR=/path   use that lwIP checkout instead of Debian's source package
set -euo pipefail
case ${1:-} in
-h | --help)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
-*)
    echo "build-pgo: unknown option $1 (see --help)" >&2
    exit 2
    ;;
esac
[ $# -le 1 ] || { echo "build-pgo: one build directory at most (see --help)" >&2; exit 2; }
dir=${1:-build-pgo}
here=$(cd "$(dirname "$0")/.." && pwd)
case $dir$here$PWD in
*[[:space:]]*)
    echo "build-pgo: '$dir', '$here' or '$PWD' has a space in it, which gcc's profile flags cannot carry" >&2
    exit 2
    ;;
esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$here"
command -v gcc >/dev/null || { echo "build-pgo: needs gcc (its -fprofile-generate/-fprofile-use)" >&2; exit 2; }
lwip_arg=()
[ -n "${LWIP_DIR:-}" ] && lwip_arg=("-DLWIP_DIR=$LWIP_DIR")
[ -f .deps/lwip/src/Filelists.cmake ] || [ -n "${LWIP_DIR:-}" ] || bash tools/setup.sh
prof=$dir/pgo-profile
train=$dir/pgo-train
jobs=$(nproc)

# The counters are named after each object's path in the build tree, so both
# builds use the same tree; a stale profile from an older source would only
# be partly used (gcc warns), so each run starts from none.
rm -rf "$prof" "$train"
echo "== build-pgo: instrumented build in $dir"
cmake -S . -B "$dir" "${lwip_arg[@]}" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_C_FLAGS=-fprofile-generate=$prof -fprofile-update=single" >/dev/null
cmake --build "$dir" -j"$jobs" --target linkrig camera client >/dev/null

echo "== build-pgo: training runs (the scenario library)"
mkdir -p "$train"
n=0
for f in scenarios/*.yaml; do
    case $f in scenarios/soak_24h.yaml) continue ;; esac
    # A scenario may fail its verdict (exit 1): its paths still count.
    # Anything else (a crash, bad input) stops the build.
    rc=0
    "$dir/linkrig" run --quiet --out "$train" "$f" >"$train/$(basename "$f").log" 2>&1 || rc=$?
    if [ "$rc" -gt 1 ]; then
        cat "$train/$(basename "$f").log" >&2
        echo "build-pgo: training run $f ended with exit $rc" >&2
        exit 1
    fi
    n=$((n + 1))
done
echo "   $n scenarios"

# Only what the training ran is built: the tests stay in the usual builds
# (tools/test.sh). Code the training never reached is optimised as usual,
# without a warning for each function.
echo "== build-pgo: optimised build"
cmake -S . -B "$dir" "-DCMAKE_C_FLAGS=-fprofile-use=$prof -fprofile-partial-training -Wno-missing-profile" >/dev/null
cmake --build "$dir" -j"$jobs" --target linkrig camera client >/dev/null

echo "== build-pgo: golden outputs"
sh tests/golden_outputs.sh "$dir/linkrig" scenarios "$train/golden"
echo "build-pgo: $dir/linkrig"
