#!/bin/sh
# picow_scan on scenarios/pico_w/scan_ap_off.yaml: labnet (off from 30 s to
# 60 s) is in the scan results printed before 30 s and after 60 s and in
# none printed while it is off; camnet is heard all along. The results are
# the program's printf output, which the layer sends to the device's log.
#   pico_w_scan.sh LINKRIG IMAGE SCENARIO OUT
set -eu
linkrig=$1; image=$2; scenario=$3; out=$4
"$linkrig" run --out "$out" --firmware "$image" "$scenario"
trace="$out/picow_scan_ap_off/trace.jsonl"
# count SSID FROM_S TO_S: scan result lines for SSID printed in [FROM, TO) s
count() {
    grep '"comp":"cam.console","event":"out","line":"ssid: '"$1"' ' "$trace" |
        sed 's/^{"t":\([0-9]*\),.*/\1/' |
        awk -v a="$2" -v b="$3" '$1 >= a * 1e9 && $1 < b * 1e9 { n++ } END { print n + 0 }'
}
before=$(count labnet 0 30); during=$(count labnet 31 60); after=$(count labnet 61 90)
camnet=$(count camnet 0 90)
echo "labnet heard: $before scans before 30 s, $during while off, $after after 61 s; camnet: $camnet"
[ "$before" -ge 2 ] && [ "$during" -eq 0 ] && [ "$after" -ge 2 ] && [ "$camnet" -ge 8 ] || {
    echo "unexpected scan results:"; grep '"comp":"cam.console"' "$trace" | head -40; exit 1; }
