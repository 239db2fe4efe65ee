#!/bin/sh
# live_duration.sh LINKRIG SCENARIO WORKDIR
# `linkrig live --duration` time-boxes a live run (CI): ap_reboot's world
# stopped at 20 s of virtual time, before its reboot at 1 min. The
# expectations about the reboot are "not reached", not FAIL; the one about
# the first link is judged; the run exits 0. With --quiet-events the
# console prints no event line, without it the join is printed as it happens.
set -u
linkrig=$1; scenario=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; cat "$work/out.txt"; exit 1; }
"$linkrig" live --duration 20s --realtime=20 --no-hostfwd --no-console --out "$work/out" "$scenario" \
    >"$work/out.txt" 2>&1 || fail "exit $?"
grep -q "^ap_reboot: PASS (seed 1, 20.000s virtual .*; 6 not reached)" "$work/out.txt" || fail "no PASS with 6 not reached"
grep -q "^  \[not reached\] drop_detected_within: 2s, after: 0 (line 19): the run stopped before it was due" \
    "$work/out.txt" || fail "drop_detected_within not 'not reached'"
grep -q "^  \[ok\] link_up_within: 15s (line 18)" "$work/out.txt" || fail "link_up_within not judged"
grep -q "FAIL" "$work/out.txt" && fail "a FAIL in a run stopped early"
grep -q "cam          joined " "$work/out.txt" || fail "no event line for the join"
grep -q '"not_reached":true' "$work/out/ap_reboot/result.jsonl" || fail "result.jsonl does not say not_reached"
"$linkrig" live --duration 5s --realtime=20 --quiet-events --no-hostfwd --no-console --out "$work/out2" \
    >"$work/out2.txt" 2>&1 || fail "exit $? with --quiet-events"
grep -q "joined\|firmware sees" "$work/out2.txt" && fail "event lines despite --quiet-events"
grep -q "^live: NO EXPECTATIONS (nothing judged)" "$work/out2.txt" || fail "the default world's run did not say it judged nothing"
echo "live --duration: stops at 20 s, 6 expectations not reached, none failed; --quiet-events is quiet"
