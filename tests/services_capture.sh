#!/bin/sh
# services_capture.sh LINKRIG SVCPROBE_IMAGE SCENARIO OUTDIR TSHARK
# Runs the services scenario with the probe firmware (it must pass), then
# reads the wire capture with tshark: DNS answers (names found and
# NXDOMAIN), NTP server replies, the greeter's lines and the report at the
# sink are there, and Wireshark finds no malformed packet. Exit 77 (skip)
# without tshark.
linkrig=$1; image=$2; scenario=$3; out=$4; tshark=$5
if [ -z "$tshark" ] || ! [ -x "$tshark" ]; then echo "tshark not found: skipped"; exit 77; fi
rm -rf "$out"
"$linkrig" run --quiet --firmware "$image" --out "$out" "$scenario" || { echo "FAIL: the scenario did not pass"; exit 1; }
pcap="$out/$(basename "$scenario" .yaml)/wire.pcap"
fail() { echo "FAIL: $*"; exit 1; }
count() { "$tshark" -r "$pcap" -Y "$1" 2>/dev/null | wc -l; }
n=$(count "dns.flags.response == 1 && dns.a == 10.0.2.123"); echo "DNS answers for time.rig: $n"
[ "$n" -ge 5 ] || fail "expected DNS answers with time.rig's address"
n=$(count "dns.flags.response == 1 && dns.flags.rcode == 3"); echo "NXDOMAIN answers: $n"
[ "$n" -ge 5 ] || fail "expected NXDOMAIN answers"
n=$(count "dns.flags.response == 1 && dns.a == 192.0.2.1"); echo "wrong DNS answers: $n"
[ "$n" -ge 1 ] || fail "expected the wrong answer while the DNS service was wrong"
n=$(count "ntp.flags.mode == 4 && ntp.stratum == 1"); echo "NTP server replies: $n"
[ "$n" -ge 5 ] || fail "expected NTP server replies"
n=$(count "ntp.flags.mode == 4 && ntp.xmt >= \"2026-01-01 00:00:00Z\" && ntp.xmt < \"2026-01-01 00:10:00Z\""); echo "NTP replies on the virtual wall clock: $n"
[ "$n" -ge 5 ] || fail "expected NTP times in the first minutes of 2026-01-01 (the scenario's epoch)"
n=$(count "tcp.srcport == 2323 && tcp.payload contains \"220 linkrig greeter\""); echo "greetings: $n"
[ "$n" -ge 5 ] || fail "expected the greeter's greeting"
n=$(count "tcp.dstport == 9100 && tcp.payload contains \"greet=220 linkrig greeter|250 hello\""); echo "reports at the sink: $n"
[ "$n" -ge 5 ] || fail "expected the probe's reports at the sink"
n=$(count "udp.srcport == 7 && udp.dstport != 7"); echo "UDP echoes: $n"
[ "$n" -ge 6 ] || fail "expected UDP echoes"
n=$(count "_ws.malformed || _ws.expert.severity == error"); echo "malformed or erroneous: $n"
[ "$n" -eq 0 ] || { "$tshark" -r "$pcap" -Y "_ws.malformed || _ws.expert.severity == error" | head; fail "malformed packets"; }
echo "ok"
