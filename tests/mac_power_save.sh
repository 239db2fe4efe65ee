#!/bin/sh
# mac_power_save.sh LINKRIG SCENARIOS_DIR OUTDIR TSHARK
# The 802.11 MAC and power save as Wireshark decodes them (issue 12, points
# 2 and 4): at the edge of range, ACK frames, retransmissions with the Retry
# bit and several data rates; with power save, the TIM naming a dozing
# station, its PS-Poll, Null frames with the PM bit; the AP's ageing: a poll
# answered (cam stays), a poll unanswered (cam2 disassociated with reason
# 4, then deauthenticated with reason 2). Every capture reads with 0
# malformed frames. Exit 77 (skip) without tshark.
linkrig=$1; dir=$2; out=$3; tshark=$4
if [ -z "$tshark" ] || ! [ -x "$tshark" ]; then echo "tshark not found: skipped"; exit 77; fi
rm -rf "$out"
for s in edge_73dbm power_save_ageing; do
    "$linkrig" run --quiet --out "$out" "$dir/$s.yaml" || { echo "FAIL: scenario $s did not pass"; exit 1; }
done
fail() { echo "FAIL: $*"; exit 1; }
count() { # count SCENARIO FILTER
    "$tshark" -r "$out/$1/air.pcap" -Y "$2" 2>/dev/null | wc -l
}
expect() { # expect MIN SCENARIO FILTER WHAT
    n=$(count "$2" "$3")
    echo "$2: $4: $n"
    [ "$n" -ge "$1" ] || fail "$2: expected at least $1: $4 ($3)"
}
CAM=02:00:00:00:00:01
CAM2=02:00:00:00:00:02
AP=02:a0:00:00:00:01
for s in edge_73dbm power_save_ageing; do
    n=$(count $s "_ws.malformed || _ws.expert.severity == error")
    echo "$s: malformed or error frames: $n"
    [ "$n" -eq 0 ] || fail "$s: tshark finds $n malformed frames"
done
expect 1000 edge_73dbm "wlan.fc.type_subtype == 0x1d" "ACK frames"
expect 100 edge_73dbm "wlan.fc.type_subtype == 0x1d && wlan.ra == $CAM" "ACKs from the AP to the camera"
expect 50 edge_73dbm "wlan.fc.type == 2 && wlan.fc.retry == 1 && wlan.sa == $CAM" "retransmitted data from the camera"
expect 50 edge_73dbm "wlan.fc.type == 2 && wlan.fc.retry == 1 && wlan.da == $CAM" "retransmitted data from the AP"
# rate adaptation: the camera's data goes at more than one rate
rates=$("$tshark" -r "$out/edge_73dbm/air.pcap" -Y "wlan.fc.type_subtype == 0x20 && wlan.sa == $CAM" \
        -T fields -e radiotap.datarate 2>/dev/null | sort -u | wc -l)
echo "edge_73dbm: data rates used by the camera: $rates"
[ "$rates" -ge 3 ] || fail "edge_73dbm: expected the rate adaptation to use at least 3 rates, got $rates"
# EAPOL still at the lowest basic rate (1 Mb/s), retries included
n=$(count edge_73dbm "eapol && radiotap.datarate != 1")
[ "$n" -eq 0 ] || fail "edge_73dbm: $n EAPOL frames above 1 Mb/s"

P=power_save_ageing
expect 1 $P "wlan.fc.type_subtype == 0x24 && wlan.fc.pwrmgt == 1 && wlan.sa == $CAM" "cam's Null frames with PM=1 (dozing)"
expect 1 $P "wlan.fc.type_subtype == 0x24 && wlan.fc.pwrmgt == 0 && wlan.sa == $CAM" "cam's Null frames with PM=0 (awake)"
expect 1 $P "wlan.fc.type_subtype == 0x08 && wlan.tim.partial_virtual_bitmap != 00" \
    "beacons whose TIM names a station"
expect 1 $P "wlan.fc.type_subtype == 0x24 && wlan.da == $CAM && wlan.sa == $AP" "the AP's poll of cam (a Null frame)"
expect 1 $P "wlan.fc.type_subtype == 0x1d && wlan.ra == $AP" "ACKs to the AP"
expect 1 $P "wlan.fc.type_subtype == 0x0a && wlan.da == $CAM2 && wlan.fixed.reason_code == 4" \
    "cam2 disassociated, reason 4 (inactivity)"
expect 1 $P "wlan.fc.type_subtype == 0x0c && wlan.da == $CAM2 && wlan.fixed.reason_code == 2" \
    "cam2 deauthenticated, reason 2"
n=$(count $P "(wlan.fc.type_subtype == 0x0a || wlan.fc.type_subtype == 0x0c) && wlan.da == $CAM")
[ "$n" -eq 0 ] || fail "$P: cam, which answered the poll, was disassociated or deauthenticated"
t=$P/trace.jsonl
grep -q "\"event\":\"inactivity_ok\",\"sta\":\"$CAM\"" "$out/$t" || fail "$P: no inactivity_ok for cam in the trace"
grep -q "\"event\":\"inactivity_poll\",\"sta\":\"$CAM2\"" "$out/$t" || fail "$P: the AP never polled cam2"
if grep -q "\"event\":\"inactivity_ok\",\"sta\":\"$CAM2\"" "$out/$t"; then fail "$P: cam2, wedged, answered the poll"; fi
echo "mac and power save: ok"
