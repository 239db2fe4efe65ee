#!/bin/sh
# Several devices in one world: both cameras' traffic is in the captures.
# The air capture holds data frames from each camera's MAC, the wire capture
# TCP segments to the sink from each camera's leased address.
#   multi_device_capture.sh LINKRIG TSHARK SCENARIO OUT
set -eu
linkrig=$1; tshark=$2; scenario=$3; out=$4
"$linkrig" run --quiet --out "$out" "$scenario"
dir="$out/$(basename "$scenario" .yaml)"
if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
    echo "tshark not found: capture check skipped"; exit 77
fi
for mac in 02:00:00:00:00:01 02:00:00:00:00:02; do
    n=$("$tshark" -r "$dir/air.pcap" -Y "wlan.fc.type == 2 && wlan.sa == $mac" 2>/dev/null | wc -l)
    echo "air: $n data frames from $mac"
    [ "$n" -gt 100 ] || { echo "too few data frames from $mac on the air"; exit 1; }
done
for ip in 10.0.2.15 10.0.2.16; do
    n=$("$tshark" -r "$dir/wire.pcap" -Y "ip.src == $ip && tcp.dstport == 9000" 2>/dev/null | wc -l)
    echo "wire: $n segments from $ip to the sink"
    [ "$n" -gt 100 ] || { echo "too few segments from $ip to the sink on the wire"; exit 1; }
done
m=$("$tshark" -r "$dir/wire.pcap" -Y "_ws.malformed" 2>/dev/null | wc -l)
[ "$m" -eq 0 ] || { echo "$m malformed packets in the wire capture"; exit 1; }
# The trace names the device on every event of a device.
grep -q '"comp":"cam1"' "$dir/trace.jsonl" && grep -q '"comp":"cam2"' "$dir/trace.jsonl"
