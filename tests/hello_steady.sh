#!/bin/sh
# hello_steady.sh LINKRIG HELLO_IMAGE SCENARIO OUTDIR TSHARK
# Runs the README's hello firmware, which makes a short connection to the
# sink every second (tests/hello_steady.yaml: it must pass, so the uploads
# came steadily), then counts in the wire capture the sink's FINs and the
# device's: one of each per connection, none sent again.
# Without tshark only the scenario is checked.
linkrig=$1; image=$2; scenario=$3; out=$4; tshark=$5
rm -rf "$out"
"$linkrig" run --quiet --firmware "$image" --out "$out" "$scenario" || { echo "FAIL: the scenario did not pass"; exit 1; }
if [ -z "$tshark" ] || ! [ -x "$tshark" ]; then echo "tshark not found: the capture is not checked"; exit 0; fi
pcap="$out/$(basename "$scenario" .yaml)/wire.pcap"
fail() { echo "FAIL: $*"; exit 1; }
count() { "$tshark" -r "$pcap" -Y "$1" 2>/dev/null | wc -l; }
dev=$(count "tcp.flags.fin == 1 && tcp.dstport == 9000"); echo "the device's FINs: $dev"
sink=$(count "tcp.flags.fin == 1 && ip.src == 10.0.2.100 && tcp.srcport == 9000"); echo "the sink's FINs: $sink"
conns=$(count "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 9000"); echo "connections: $conns"
[ "$dev" -ge 110 ] || fail "expected a short connection a second"
[ "$sink" -ge "$dev" ] || fail "expected the sink to close every connection the device closed"
# the device acknowledged each of the sink's FINs (its PCB left FIN_WAIT_2
# for TIME_WAIT, RFC 9293 §3.6): none had to be sent again
n=$(count "tcp.srcport == 9000 && tcp.flags.fin == 1 && tcp.analysis.retransmission"); echo "the sink's FINs sent again: $n"
[ "$n" -eq 0 ] || fail "a FIN of the sink went unacknowledged"
n=$(count "_ws.malformed || _ws.expert.severity == error"); echo "malformed or erroneous: $n"
[ "$n" -eq 0 ] || { "$tshark" -r "$pcap" -Y "_ws.malformed || _ws.expert.severity == error" | head; fail "malformed packets"; }
echo "ok"
