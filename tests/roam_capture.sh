#!/bin/sh
# Roaming in an ESS (scenarios/roam_walk.yaml): the camera moves from ap1 to
# ap2 by itself. The air capture shows Open System authentication, a
# Reassociation Request naming ap1 as Current AP, a successful Reassociation
# Response and a new 4-way handshake with ap2, and no frame is malformed;
# the trace shows no link down for the camera and one address from the
# network's one DHCP server, which the uploads after the roam still come from.
#   roam_capture.sh LINKRIG TSHARK SCENARIO OUT
set -eu
linkrig=$1; tshark=$2; scenario=$3; out=$4
"$linkrig" run --quiet --out "$out" "$scenario"
dir="$out/$(basename "$scenario" .yaml)"
trace="$dir/trace.jsonl"
cam=02:00:00:00:00:01; ap1=02:a0:00:00:00:01; ap2=02:a0:00:00:00:02

grep -q '"comp":"cam.radio","event":"roamed","from":"'$ap1'","to":"'$ap2'"' "$trace" ||
    { echo "no roam from ap1 to ap2 in the trace"; exit 1; }
if grep -q '"comp":"cam.radio","event":"link_down"' "$trace"; then
    echo "the camera's link went down: a roam keeps it up"; exit 1
fi
ips=$(grep '"event":"ack"' "$trace" | grep "\"mac\":\"$cam\"" | sed 's/.*"ip":"\([0-9.]*\)".*/\1/' | sort -u)
[ "$(echo "$ips" | wc -l)" -eq 1 ] || { echo "the camera held more than one address: $ips"; exit 1; }
echo "address: $ips"
roamed_t=$(grep '"event":"roamed"' "$trace" | head -1 | sed 's/^{"t":\([0-9]*\),.*/\1/')
late=$(grep '"event":"upload"' "$trace" | awk -v t="$roamed_t" -F'"first":' '{split($2, a, ","); if (a[1] + 0 > t + 0) print}' |
       grep -c "\"from\":\"$ips:" || true)
echo "uploads after the roam from $ips: $late"
[ "$late" -gt 100 ] || { echo "too few uploads after the roam"; exit 1; }

if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
    echo "tshark not found: capture check skipped"; exit 77
fi
air="$dir/air.pcap"
n() { "$tshark" -r "$air" -Y "$1" 2>/dev/null | wc -l; }
[ "$(n "wlan.fc.type_subtype == 11 && wlan.sa == $cam && wlan.da == $ap2")" -ge 1 ] ||
    { echo "no Authentication from the camera to ap2"; exit 1; }
[ "$(n "wlan.fc.type_subtype == 2 && wlan.sa == $cam && wlan.da == $ap2 && wlan.fixed.current_ap == $ap1")" -eq 1 ] ||
    { echo "no Reassociation Request to ap2 naming ap1 as Current AP"; exit 1; }
[ "$(n "wlan.fc.type_subtype == 3 && wlan.sa == $ap2 && wlan.fixed.status_code == 0")" -eq 1 ] ||
    { echo "no successful Reassociation Response from ap2"; exit 1; }
for msg in 1 2 3 4; do
    k=$(n "eapol && wlan.bssid == $ap2 && wlan_rsna_eapol.keydes.msgnr == $msg")
    [ "$k" -ge 1 ] || { echo "no 4-way handshake message $msg with ap2"; exit 1; }
done
echo "air: authentication, reassociation and 4-way handshake with ap2"
for cap in air wire; do
    m=$("$tshark" -r "$dir/$cap.pcap" -Y "_ws.malformed" 2>/dev/null | wc -l)
    [ "$m" -eq 0 ] || { echo "$m malformed frames in the $cap capture"; exit 1; }
done
echo "0 malformed frames"
