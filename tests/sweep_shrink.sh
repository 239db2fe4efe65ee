#!/bin/sh
# sweep_shrink.sh LINKRIG XSD SCENARIO OUT CHECK SWEEP-OPTION...
# A sweep against a deliberately weakened firmware (the options, e.g.
# --set lm.backoff_ms=0,0,0,0,0,0,0) must find failing schedules (exit 1),
# shrink each to at most 2 timeline entries, and write reproducers that fail
# CHECK on their own: `linkrig run FILE` with no option at all. Its JUnit
# validates against XSD. A second sweep with another -j gives the same
# reproducers (shrinking does not depend on parallelism).
set -u
linkrig=$1; xsd=$2; scenario=$3; out=$4; check=$5; shift 5
rm -rf "$out"; mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }
"$linkrig" sweep -n 4 -j 2 --out "$out/a" --junit "$out/a.xml" "$@" "$scenario" >"$out/a.log" 2>&1
rc=$?
cat "$out/a.log"
[ "$rc" -eq 1 ] || fail "the sweep exited $rc, expected 1 (failing schedules found)"
n=0
for f in "$out"/a/*_fail_*.yaml; do
    [ -f "$f" ] || fail "no reproducer written"
    n=$((n + 1))
    entries=$(grep -c '^  - {at:' "$f")
    [ "$entries" -le 2 ] || fail "$f: $entries timeline entries after shrinking (at most 2)"
    "$linkrig" run --out "$out/repro" "$f" >"$out/repro.log" 2>&1
    rc=$?
    [ "$rc" -eq 1 ] || { cat "$out/repro.log"; fail "$f: linkrig run exited $rc, expected 1"; }
    grep -qF "[FAIL] $check" "$out/repro.log" || { cat "$out/repro.log"; fail "$f: does not fail $check"; }
    echo "ok: $(basename "$f"): $entries entr$( [ "$entries" = 1 ] && echo y || echo ies), fails $check alone"
done
xmllint --noout --schema "$xsd" "$out/a.xml" || fail "the sweep's JUnit does not validate"
grep -q 'name="schedule 0"' "$out/a.xml" || fail "no testcase per schedule"
"$linkrig" sweep -n 4 -j 1 --quiet --out "$out/b" "$@" "$scenario" >/dev/null 2>&1
for f in "$out"/a/*_fail_*.yaml; do
    # the header names the output folder; the scenario below it must match
    grep -v '^#' "$f" >"$out/a.body"
    grep -v '^#' "$out/b/$(basename "$f")" >"$out/b.body" 2>/dev/null
    cmp -s "$out/a.body" "$out/b.body" || fail "$(basename "$f") differs between -j 2 and -j 1"
done
echo "ok: $n reproducers, the same with -j 1"
