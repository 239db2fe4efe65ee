#!/bin/sh
# busypoll.sh LINKRIG BUSYPOLL_IMAGE SCENARIO OUTDIR
# A firmware that waits for its link with a tight chip_tcpip_link_status()
# loop and no sleep (tests/firmware/busypoll.c). Each poll costs virtual time
# and yields, as on a board, so the run must end normally: exit 0 from the
# verdict, no watchdog, and bytes at the sink. The watchdog is 2 s: a rig
# where polls froze virtual time would stop the firmware here.
linkrig=$1; image=$2; scenario=$3; out=$4
rm -rf "$out"
log=$("$linkrig" run --firmware "$image" --watchdog 2s --out "$out" "$scenario" 2>&1)
rc=$?
echo "$log"
fail() { echo "FAIL: $*"; exit 1; }
! echo "$log" | grep -qi "watchdog" || fail "the watchdog fired on a firmware that polls the chip"
[ "$rc" -eq 0 ] || fail "expected exit 0, got $rc"
# Summary wording may change; the sink's count is what matters.
echo "$log" | grep -Eq "sink: [0-9]+ uploads, [1-9][0-9]* bytes" || fail "the sink received nothing"
echo "ok"
