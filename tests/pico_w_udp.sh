#!/bin/sh
# picow_udp_sender on scenarios/pico_w/udp_sender_out_of_range.yaml: the
# verdict (link lost, NO_AP_FOUND, joins at the backoff spacing, link back)
# must pass, and the wire capture must hold the device's datagrams before
# the move and again after its return (2 a second; UDP has no other
# witness).
#   pico_w_udp.sh LINKRIG IMAGE SCENARIO OUT TSHARK
set -eu
linkrig=$1; image=$2; scenario=$3; out=$4; tshark=$5
"$linkrig" run --out "$out" --firmware "$image" "$scenario"
if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
    echo "tshark not found: wire check skipped"; exit 77
fi
pcap="$out/picow_udp_sender_out_of_range/wire.pcap"
n() { "$tshark" -r "$pcap" -Y "udp.dstport == 4444 && $1" 2>/dev/null | wc -l; }
before=$(n "frame.time_relative < 29"); gone=$(n "frame.time_relative > 32 && frame.time_relative < 180")
after=$(n "frame.time_relative > 250")
echo "datagrams on the wire: $before before the move, $gone while away, $after in the last 50 s"
[ "$before" -ge 40 ] && [ "$gone" -eq 0 ] && [ "$after" -ge 80 ]
