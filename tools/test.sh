#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set-up, then two builds — plain
# and with AddressSanitizer + UBSan — each running every test with ctest.
#   LWIP_DIR=/path   use that lwIP checkout instead of Debian's source package
#   LINKRIG_QUICK=1  skip the sanitizer build (local iterations only; CI never sets it)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
jobs=$(nproc)
lwip_arg=()
[ -n "${LWIP_DIR:-}" ] && lwip_arg=("-DLWIP_DIR=$LWIP_DIR")

run_suite() {
    local dir=$1; shift
    echo "== build $dir $*"
    cmake -S . -B "$dir" "${lwip_arg[@]}" "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "== test $dir"
    ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

# Warnings are errors here (CI), not for users (LINKRIG_WERROR defaults off).
run_suite build -DLINKRIG_SANITIZE=OFF -DLINKRIG_WERROR=ON
if [ "${LINKRIG_QUICK:-0}" != 1 ]; then
    # The sanitizer runtime warns once that it cannot follow swapcontext
    # exactly; linkrig announces every switch with the fiber API instead.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
    run_suite build-asan -DLINKRIG_SANITIZE=ON -DLINKRIG_WERROR=ON
    # The optimiser warns about things the debug builds never see: build what
    # a user building Release gets, with warnings as errors (no tests).
    echo "== build build-release (Release, warnings as errors)"
    cmake -S . -B build-release "${lwip_arg[@]}" -DCMAKE_BUILD_TYPE=Release -DLINKRIG_WERROR=ON >/dev/null
    cmake --build build-release -j"$jobs"
fi
