#!/bin/sh
# liar_never_uploads.sh LINKRIG LIAR_IMAGE SCENARIO OUTDIR [TSHARK]
# Checks that tests/firmware/liar.c is the liar the verdict tests need: the
# run completes (exit 0 or 1, no crash), the firmware's own trace claims
# frames sent, and nothing reached the sink -- by the rig's sink count and,
# when tshark is available, by the wire capture (no TCP to the sink's port).
# Holds with the current verdict and with the verdict rework alike.
linkrig=$1; image=$2; scenario=$3; out=$4; tshark=$5
rm -rf "$out"
log=$("$linkrig" run --firmware "$image" --out "$out" "$scenario" 2>&1)
rc=$?
echo "$log"
fail() { echo "FAIL: $*"; exit 1; }
case $rc in 0|1) ;; *) fail "exit $rc: the run did not complete" ;; esac
! echo "$log" | grep -q "the run crashed\|firmware failed" || fail "the firmware failed or crashed"
name=$(sed -n 's/^name: *//p' "$scenario" | head -1)
trace="$out/$name/trace.jsonl"
claims=$(grep '"comp":"cam.fw","event":"frame"' "$trace" | grep -c '"result":"sent"')
[ "$claims" -gt 0 ] || fail "the liar claimed no frames sent: it no longer lies"
echo "$log" | grep -Eq "sink: 0 uploads, 0 bytes" || fail "the sink received bytes (or the summary no longer says 'sink: N uploads, N bytes')"
if [ -n "$tshark" ] && [ -x "$tshark" ]; then
    n=$("$tshark" -r "$out/$name/wire.pcap" -Y "tcp.port == 9000" 2>/dev/null | wc -l)
    [ "$n" -eq 0 ] || fail "the wire capture has $n TCP packets to or from the sink's port"
fi
echo "ok: $claims frames claimed sent, none delivered"
