#!/bin/sh
# Two APs, each its own network by default (scenarios/two_aps_own_networks.yaml):
# their DHCP pools never overlap, so the two cameras, one by each AP, get two
# different addresses (identical default pools used to hand both 10.0.2.15),
# and the wire capture carries each one's uploads to the sink.
#   own_networks_addresses.sh LINKRIG TSHARK SCENARIO OUT
set -eu
linkrig=$1; tshark=$2; scenario=$3; out=$4
"$linkrig" run --quiet --out "$out" "$scenario"
dir="$out/$(basename "$scenario" .yaml)"
ip_of() {
    grep '"event":"ack"' "$dir/trace.jsonl" | grep "\"mac\":\"$1\"" | sed 's/.*"ip":"\([0-9.]*\)".*/\1/' | sort -u
}
ip1=$(ip_of 02:00:00:00:00:01); ip2=$(ip_of 02:00:00:00:00:02)
echo "cam1: $ip1, cam2: $ip2"
[ -n "$ip1" ] && [ -n "$ip2" ] || { echo "a camera got no address"; exit 1; }
[ "$ip1" != "$ip2" ] || { echo "both cameras hold $ip1"; exit 1; }
[ "$ip1" = 10.0.2.15 ] && [ "$ip2" = 10.0.3.15 ] || { echo "expected 10.0.2.15 and 10.0.3.15"; exit 1; }
if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
    echo "tshark not found: capture check skipped"; exit 77
fi
for ip in "$ip1" "$ip2"; do
    n=$("$tshark" -r "$dir/wire.pcap" -Y "ip.src == $ip && tcp.dstport == 9000" 2>/dev/null | wc -l)
    echo "wire: $n segments from $ip to the sink"
    [ "$n" -gt 100 ] || { echo "too few segments from $ip to the sink"; exit 1; }
done
m=$("$tshark" -r "$dir/wire.pcap" -Y "_ws.malformed" 2>/dev/null | wc -l)
[ "$m" -eq 0 ] || { echo "$m malformed packets in the wire capture"; exit 1; }
