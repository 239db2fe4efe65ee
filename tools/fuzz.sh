#!/usr/bin/env bash
# The fuzz targets of tests/fuzz/ (libFuzzer, clang, ASan + UBSan with
# float-cast-overflow and integer truncation checks): build them, run each
# from its committed corpus, report executions and findings.
#
#   tools/fuzz.sh                 every target 20 s (what CI runs, from tools/test.sh)
#   tools/fuzz.sh 3600            a campaign: every target an hour
#   tools/fuzz.sh 600 uplink ap_rx   only these targets
#   LINKRIG_FUZZ_MERGE=1 tools/fuzz.sh 3600
#                                 ...and merge what the campaign found into
#                                 tests/fuzz/corpus/ (only inputs that add
#                                 coverage; commit them)
#   LWIP_DIR=/path                as for tools/test.sh
#
# Each target starts from tests/fuzz/corpus/<target>/ and the inputs of past
# findings in tests/fuzz/regress/<target>/. LeakSanitizer reads
# tests/fuzz/lsan.supp (libslirp's own leaks at clean-up).
# Targets run two at a time (or $(nproc)); new inputs go to a scratch corpus
# in build-fuzz/run/<target>/, never into the committed one (unless merged).
# A crash, leak, timeout or sanitizer report leaves its input in
# build-fuzz/run/<target>-crash-* (reproduce: build-fuzz/fuzz/fuzz_<target>
# FILE) and makes this script exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
all=(dot11_frame eapol_key radiotap ap_rx sta_rx dhcps uplink scenario duration services fwimage trace_line
     radius eap_peer sae_pmf)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
case "$secs" in ''|*[!0-9]*) echo "fuzz.sh: '$secs' is not a number of seconds" >&2; exit 2 ;; esac
command -v clang >/dev/null || { echo "fuzz.sh: needs clang (tools/setup.sh installs it)" >&2; exit 2; }

lwip_arg=()
[ -n "${LWIP_DIR:-}" ] && lwip_arg=("-DLWIP_DIR=$LWIP_DIR")
dir=build-fuzz
echo "== build $dir (clang, libFuzzer)"
CC=clang cmake -S . -B "$dir" "${lwip_arg[@]}" -DLINKRIG_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j"$(nproc)" --target fuzz >/dev/null

run=$dir/run
rm -rf "$run"
mkdir -p "$run"
# A report must stop the run (libFuzzer then writes the input); leaks too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
# libslirp's own leaks at clean-up are not the rig's (see the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

dict_of() {
    case "$1" in
        ap_rx|sta_rx) echo tests/fuzz/dot11_frame.dict ;;
        *) [ -f "tests/fuzz/$1.dict" ] && echo "tests/fuzz/$1.dict" ;;
    esac
}

one() {
    local t=$1 d
    d=$(dict_of "$t" || true)
    mkdir -p "$run/$t"
    local args=(-max_total_time="$secs" -timeout=30 -print_final_stats=1 -artifact_prefix="$run/$t-")
    [ -n "$d" ] && args+=(-dict="$d")
    # tests/fuzz/regress/<target>/: inputs of past findings, run first with the corpus.
    local dirs=("$run/$t" "tests/fuzz/corpus/$t")
    [ -d "tests/fuzz/regress/$t" ] && dirs+=("tests/fuzz/regress/$t")
    if "$dir/fuzz/fuzz_$t" "${args[@]}" "${dirs[@]}" >"$run/$t.log" 2>&1; then
        echo ok >"$run/$t.status"
    else
        echo FAILED >"$run/$t.status"
    fi
}
export -f one dict_of
export dir run secs

jobs=$(nproc)
[ "$jobs" -gt 2 ] || jobs=2
echo "== run ${#targets[@]} targets, $secs s each, $jobs at a time"
start=$(date +%s)
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'one {}'
wall=$(( $(date +%s) - start ))

fail=0
total=0
printf '%-12s %10s %8s  %s\n' target executions exec/s result
for t in "${targets[@]}"; do
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/$t.log" | tail -1)
    n=${n:-0}
    total=$((total + n))
    st=$(cat "$run/$t.status" 2>/dev/null || echo FAILED)
    printf '%-12s %10s %8s  %s\n' "$t" "$n" $((n / (secs > 0 ? secs : 1))) "$st"
    if [ "$st" != ok ]; then
        fail=1
        grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$run/$t.log" | head -8 | sed 's/^/    /'
    fi
done
echo "total: $total executions in ${wall} s of wall time"

if [ "${LINKRIG_FUZZ_MERGE:-0}" = 1 ] && [ "$fail" = 0 ]; then
    for t in "${targets[@]}"; do
        "$dir/fuzz/fuzz_$t" -merge=1 "tests/fuzz/corpus/$t" "$run/$t" >"$run/$t.merge.log" 2>&1
        echo "merged $t: $(ls "tests/fuzz/corpus/$t" | wc -l) inputs"
    done
fi
exit $fail
