#!/bin/sh
# picow_ntp_client on scenarios/pico_w/ntp_client_services.yaml: the verdict
# must pass (answers reported to the sink, recovered after the NTP outage
# and the wrong DNS answers), and the wire capture must hold the DNS and NTP
# exchanges, decoded by tshark with no malformed packet.
#   pico_w_ntp.sh LINKRIG IMAGE SCENARIO OUT TSHARK
set -eu
linkrig=$1; image=$2; scenario=$3; out=$4; tshark=$5
"$linkrig" run --out "$out" --firmware "$image" "$scenario"
if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
    echo "tshark not found: wire check skipped"; exit 77
fi
pcap="$out/picow_ntp_client_services/wire.pcap"
n() { "$tshark" -r "$pcap" -Y "$1" 2>/dev/null | wc -l; }
dnsq=$(n "dns.flags.response == 0 && dns.qry.name == \"pool.ntp.org\"")
dnsa=$(n "dns.flags.response == 1 && dns.a == 10.0.2.123")
ntpq=$(n "ntp.flags.mode == 3")
ntpa=$(n "ntp.flags.mode == 4")
bad=$(n "_ws.malformed || _ws.expert.severity == error")
echo "DNS: $dnsq queries, $dnsa answers with 10.0.2.123; NTP: $ntpq requests, $ntpa replies; malformed: $bad"
[ "$dnsq" -ge 1 ] && [ "$dnsa" -ge 1 ] && [ "$ntpq" -ge 20 ] && [ "$ntpa" -ge 20 ] && [ "$bad" -eq 0 ]
