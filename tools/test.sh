#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set-up, then two builds — plain
# and with AddressSanitizer + UBSan — each running every test with ctest,
# then the Release build and the fuzz targets (tools/fuzz.sh).
#   LWIP_DIR=/path   use that lwIP checkout instead of Debian's source package
#   LINKRIG_QUICK=1  skip the sanitizer build (local iterations only; CI never sets it)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
jobs=$(nproc)
lwip_arg=()
[ -n "${LWIP_DIR:-}" ] && lwip_arg=("-DLWIP_DIR=$LWIP_DIR")

# run_suite DIR [CMAKE_ARGS...] [-- CTEST_ARGS...]
run_suite() {
    local dir=$1; shift
    local cm=() ct=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do cm+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    ct=("$@")
    echo "== build $dir ${cm[*]}"
    cmake -S . -B "$dir" "${lwip_arg[@]}" "${cm[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "== test $dir ${ct[*]}"
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" "${ct[@]}"
}

# Warnings are errors here (CI), not for users (LINKRIG_WERROR defaults off).
run_suite build -DLINKRIG_SANITIZE=OFF -DLINKRIG_WERROR=ON
if [ "${LINKRIG_QUICK:-0}" != 1 ]; then
    # The sanitizer runtime warns once that it cannot follow swapcontext
    # exactly; linkrig announces every switch with the fiber API instead.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
    # The runs of the whole scenario library with other firmware (label
    # "library") repeat, under the sanitizers, code the scenario tests already
    # run there: they run in the plain build only, to keep CI well inside
    # its time.
    run_suite build-asan -DLINKRIG_SANITIZE=ON -DLINKRIG_WERROR=ON -- -LE library
    # The optimiser warns about things the debug builds never see: build what
    # a user building Release gets, with warnings as errors (no tests).
    echo "== build build-release (Release, warnings as errors)"
    cmake -S . -B build-release "${lwip_arg[@]}" -DCMAKE_BUILD_TYPE=Release -DLINKRIG_WERROR=ON >/dev/null
    cmake --build build-release -j"$jobs"
    # Every fuzz target (tests/fuzz/) from its committed corpus, 12 s each,
    # $(nproc) at a time (15 targets: about 100 s on 2 cores, plus the
    # clang build); any crash, leak or sanitizer report fails CI. A longer
    # campaign: tools/fuzz.sh SECONDS.
    bash tools/fuzz.sh 12
fi
