#!/bin/sh
# sweep_stop.sh LINKRIG XSD SCENARIO OUT
# A sweep stopped by a signal (SIGINT, SIGTERM) keeps what it has: no new
# run starts, the running ones stop and are reported as not judged, every
# failure found so far keeps its reproducer, the JUnit file is written (the
# schedules that did not run to their end as skipped) and validates, no
# child is left behind, and the exit status is 128 + the signal.
set -u
linkrig=$1; xsd=$2; scenario=$3; out=$4
rm -rf "$out"
mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }

# wait_for PID LIMIT_S WHAT DIR GLOB: polls until a file matching DIR/GLOB
# exists.
# The limit only bounds a hung sweep: it is generous, because a sanitizer
# build on a loaded machine (ctest -j2 beside other runs) is many times
# slower than a plain one, and the test is about what a stop keeps, not
# about speed.
wait_for() {
    wpid=$1; limit=$2; what=$3; dir=$4; glob=$5
    deadline=$(($(date +%s) + limit))
    # shellcheck disable=SC2086 # GLOB is meant to expand
    while ! ls "$dir"/$glob > /dev/null 2>&1; do
        if [ "$(date +%s)" -gt "$deadline" ]; then
            kill -KILL "$wpid"
            fail "$what in $limit s"
        fi
        sleep 0.05
    done
}

stop_after() { # SIGNAL NAME SWEEP-OPTION...
    sig=$1; name=$2; shift 2
    "$linkrig" sweep -n 5000 -j 2 --out "$out/$name" --junit "$out/$name.xml" "$@" "$scenario" \
        > "$out/$name.log" 2>&1 &
    pid=$!
    # Once a run has written its verdict, at least one schedule is judged
    # whatever the machine's speed (a sanitizer build runs far slower).
    wait_for "$pid" 600 "$name: no run finished" "$out/$name" ".sweep-work/*/*/result.jsonl"
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    grep -q "stopped by SIG$sig" "$out/$name.log" || { cat "$out/$name.log"; fail "$name: no stop line"; }
    xmllint --noout --schema "$xsd" "$out/$name.xml" || fail "$name: the JUnit file does not validate"
    skipped=$(sed -n 's/.*<testsuite [^>]*skipped="\([0-9]*\)".*/\1/p' "$out/$name.xml" | head -n 1)
    [ "${skipped:-0}" -gt 0 ] || fail "$name: no schedule reported as not judged"
    sleep 0.5
    if pgrep -f -- "--out $out/$name " > /dev/null; then fail "$name: a run outlived the sweep"; fi
}

stop_after INT passing
[ "$rc" -eq 130 ] || fail "passing: exit $rc after SIGINT, expected 130"

# A weakened firmware: every schedule fails; each failure found before the
# stop has its reproducer, whether shrinking finished or not.
stop_after TERM failing --set lm.backoff_ms=0,0,0,0,0,0,0
[ "$rc" -eq 143 ] || fail "failing: exit $rc after SIGTERM, expected 143"
failed=$(grep -c ' FAIL ' "$out/failing.log")
files=$(ls "$out/failing" | grep -c '_fail_[0-9]*\.yaml$')
[ "$failed" -gt 0 ] || fail "failing: no failure found before the stop"
[ "$failed" -eq "$files" ] || fail "failing: $failed failures but $files reproducers"
# Stopped while the sweep checks its reproducers one by one (each run
# alone once written): a check that the stop cut short is "not checked
# alone", not a reproducer that does not fail.
"$linkrig" sweep -n 200 -j 2 --max-shrink 0 --out "$out/check" --set lm.backoff_ms=0,0,0,0,0,0,0 \
    "$scenario" > "$out/check.log" 2>&1 &
pid=$!
wait_for "$pid" 600 "check: no fourth reproducer" "$out/check" "*_fail_3.yaml"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] || { tail -n 5 "$out/check.log"; fail "check: exit $rc after SIGTERM, expected 143"; }
if grep -q "a bug in the sweep" "$out/check.log"; then fail "check: a stopped check reported as a bad reproducer"; fi
grep -q "not checked alone: the sweep was stopped" "$out/check.log" || fail "check: no reproducer marked as not checked"
echo "ok: stopped by SIGINT (130) and SIGTERM (143); $failed failure(s) kept with their reproducers;" \
    "a stop during the reproducers' checks leaves them unchecked, not failed"
