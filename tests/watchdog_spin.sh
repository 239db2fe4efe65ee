#!/bin/sh
# watchdog_spin.sh LINKRIG SPIN_IMAGE SCENARIO OUTDIR [TSHARK]
# Runs a firmware whose task never blocks (tests/firmware/spin.c) with a 1 s
# watchdog. Passes when the run exits 1 with the watchdog's message naming
# the device ("cam"), the task ("main") and a virtual time, and the run's
# outputs are still usable: every line of trace.jsonl is complete JSON, and
# air.pcap reads in tshark (when tshark is available). How long it takes is
# left to ctest's TIMEOUT: the run never ends if the watchdog does not fire.
linkrig=$1; image=$2; scenario=$3; out=$4; tshark=$5
rm -rf "$out"
log=$("$linkrig" run --firmware "$image" --watchdog 1s --out "$out" "$scenario" 2>&1)
rc=$?
echo "$log"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" -eq 1 ] || fail "expected exit 1 (the firmware failed), got $rc"
# One line must carry all of it: the watchdog's own message.
line=$(echo "$log" | grep "watchdog" | grep "'main'" | grep "'cam'" | grep -E "virtual time [0-9][0-9hm.]*s" | head -1)
[ -n "$line" ] || fail "no line names the watchdog, task 'main', device 'cam' and a virtual time"

name=$(sed -n 's/^name: *//p' "$scenario" | head -1)
trace="$out/$name/trace.jsonl"
[ -s "$trace" ] || fail "no trace at $trace"
# A run cut short must still close its trace: the last byte is a newline and
# every line parses on its own.
[ "$(tail -c 1 "$trace" | od -An -c | tr -d ' ')" = '\n' ] || fail "$trace does not end with a complete line"
python3 - "$trace" <<'PY' || fail "$trace has a line that is not JSON"
import json, sys
with open(sys.argv[1]) as f:
    for n, line in enumerate(f, 1):
        try:
            json.loads(line)
        except ValueError as e:
            sys.exit("%s:%d: %s" % (sys.argv[1], n, e))
PY
grep -q '"watchdog"' "$trace" || fail "$trace has no watchdog event"

pcap="$out/$name/air.pcap"
[ -s "$pcap" ] || fail "no air capture at $pcap"
if [ -n "$tshark" ] && [ -x "$tshark" ]; then
    "$tshark" -r "$pcap" >/dev/null 2>"$out/tshark.err" || { cat "$out/tshark.err"; fail "tshark cannot read $pcap"; }
else
    echo "tshark not available: air.pcap not opened"
fi
echo "ok: $line"
