#!/bin/sh
# The RADIUS server never outlives the run (issue 16): `linkrig run` of an
# Enterprise scenario, paced to the wall clock, is interrupted with SIGINT
# once its FreeRADIUS is up; afterwards no FreeRADIUS process whose files
# are in the output folder remains, and the server's files (configuration,
# certificates, log) stay in OUT/<name>/radius/.
#   radius_sigint.sh LINKRIG SCENARIO OUT
set -u
linkrig=$1; scenario=$2; out=$3
command -v freeradius >/dev/null || [ -x /usr/sbin/freeradius ] || { echo "freeradius not found: skipped"; exit 77; }
command -v pgrep >/dev/null || { echo "pgrep not found: skipped"; exit 77; }
rm -rf "$out"; mkdir -p "$out"
name=$(sed -n 's/^name: *//p' "$scenario")
# As Ctrl-C does: SIGINT to the run's whole process group. A shell without
# job control starts background commands with SIGINT ignored, so the run
# gets its own group with SIGINT restored first.
python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setpgrp()
os.execvp(sys.argv[1], sys.argv[1:])' "$linkrig" run --realtime=1 --out "$out" "$scenario" >"$out/log.txt" 2>&1 &
pid=$!
log="$out/$name/radius/ap1/radius.log"
i=0
while [ $i -lt 100 ] && ! grep -q "Ready to process requests" "$log" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
grep -q "Ready to process requests" "$log" || { echo "FAIL: FreeRADIUS never came up"; kill -$pid; cat "$out/log.txt"; exit 1; }
servers=$(pgrep -f -- "-d $out/$name/radius" | tr '\n' ' ')
echo "FreeRADIUS running: ${servers:-none}"
[ -n "$servers" ] || { echo "FAIL: no FreeRADIUS process found while the run was on"; kill -$pid; exit 1; }
kill -INT -$pid
wait $pid
echo "linkrig exited $?"
i=0
while [ $i -lt 30 ] && pgrep -f -- "-d $out/$name/radius" >/dev/null; do sleep 0.1; i=$((i + 1)); done
left=$(pgrep -f -- "-d $out/$name/radius" | tr '\n' ' ')
[ -z "$left" ] || { echo "FAIL: FreeRADIUS outlived the run: $left"; kill $left; exit 1; }
for f in radiusd.conf ca.pem server.pem users radius.log; do
    [ -f "$out/$name/radius/ap1/$f" ] || { echo "FAIL: $f is not in the output folder"; exit 1; }
done
# SIGKILL to linkrig itself (no chance to stop its child): the kernel
# tells the scenario's process (PR_SET_PDEATHSIG), which ends the run, and
# its FreeRADIUS goes with it rather than running on under init.
out2=$out/kill
mkdir -p "$out2"
"$linkrig" run --realtime=1 --out "$out2" "$scenario" >"$out2/log.txt" 2>&1 &
pid=$!
log="$out2/$name/radius/ap1/radius.log"
i=0
while [ $i -lt 100 ] && ! grep -q "Ready to process requests" "$log" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
grep -q "Ready to process requests" "$log" || { echo "FAIL: FreeRADIUS never came up (SIGKILL case)"; kill $pid; exit 1; }
kill -KILL $pid
wait $pid 2>/dev/null
i=0
while [ $i -lt 50 ] && { pgrep -f -- "-d $out2/$name/radius" >/dev/null || pgrep -f -- "--out $out2 " >/dev/null; }; do
    sleep 0.1; i=$((i + 1))
done
left=$(pgrep -f -- "--out $out2 " | tr '\n' ' ')
[ -z "$left" ] || { echo "FAIL: the scenario's process outlived linkrig's SIGKILL: $left"; kill -KILL $left; exit 1; }
left=$(pgrep -f -- "-d $out2/$name/radius" | tr '\n' ' ')
[ -z "$left" ] || { echo "FAIL: FreeRADIUS outlived linkrig's SIGKILL: $left"; kill $left; exit 1; }
echo "PASS: no FreeRADIUS left; its files stay in $out/$name/radius/ap1; nothing outlives a SIGKILL of linkrig"
