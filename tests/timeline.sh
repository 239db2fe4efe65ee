#!/bin/sh
# timeline.sh LINKRIG SCENARIO OUT_DIR
# `linkrig timeline` tells ap_reboot's story: the fault, the drop (offline,
# the link down, the status the firmware saw) and the recovery (joined,
# data again, online), in time order. A malformed line is reported with its
# number and skipped, and the rest still read.
set -u
linkrig=$1; scenario=$2; out=$3
rm -rf "$out"
"$linkrig" run --quiet --out "$out" "$scenario" || { echo "the run failed"; exit 1; }
dir="$out/ap_reboot"
"$linkrig" timeline "$dir" >"$out/timeline.txt" 2>"$out/timeline.err" || { cat "$out/timeline.err"; exit 1; }
cat "$out/timeline.txt"
fail=0
# The silence is checked to 10 ms: its last millisecond follows the
# medium's backoff draws (37.254 s or 37.255 s from one seed to another).
for want in \
    '1m00.000s  scenario     fault entry 0 ap_reboot ap1 starts' \
    '1m00.000s  cam          OFFLINE' \
    '1m00.775s  cam          link down: beacon loss' \
    '1m00.804s  cam          firmware sees tcpip_link_status = CONNECTING' \
    '1m20.000s  scenario     fault entry 0 ap_reboot ap1 ends' \
    'cam          joined 02:a0:00:00:00:01' \
    'cam          data at the sink again after 37.25' \
    '1m39.501s  cam          ONLINE (associated and leased)' \
    'verdict: PASS; drops 1'; do
    grep -qF -- "$want" "$out/timeline.txt" || { echo "missing: $want"; fail=1; }
done
# the drop comes before the recovery
off=$(grep -n 'OFFLINE' "$out/timeline.txt" | head -1 | cut -d: -f1)
on=$(grep -n 'ONLINE' "$out/timeline.txt" | sed -n 2p | cut -d: -f1)
[ -n "$off" ] && [ -n "$on" ] && [ "$off" -lt "$on" ] || { echo "drop and recovery out of order"; fail=1; }
# untrusted input: bad lines are named and skipped
n=$(wc -l <"$dir/trace.jsonl")
printf '{"t":1,"comp":"x"\n[1,2]\n' >>"$dir/trace.jsonl"
"$linkrig" timeline "$dir" >"$out/timeline2.txt" 2>"$out/timeline2.err" || { echo "a bad line failed the command"; fail=1; }
grep -q "trace.jsonl:$((n + 1)): skipped" "$out/timeline2.err" || { echo "bad line $((n + 1)) not reported"; cat "$out/timeline2.err"; fail=1; }
grep -q "trace.jsonl:$((n + 2)): skipped" "$out/timeline2.err" || { echo "bad line $((n + 2)) not reported"; fail=1; }
cmp -s "$out/timeline.txt" "$out/timeline2.txt" || { echo "the good lines were not all read"; fail=1; }
exit $fail
