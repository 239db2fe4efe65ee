#!/bin/sh
# faults_capture.sh LINKRIG SCENARIOS_DIR OUTDIR TSHARK
# Runs the scenario of each fault from the field (each must pass with the
# bundled camera), then reads its captures with tshark: what the fault does
# must be on the air or the wire as Wireshark decodes it. Exit 77 (skip)
# without tshark.
linkrig=$1; dir=$2; out=$3; tshark=$4
if [ -z "$tshark" ] || ! [ -x "$tshark" ]; then echo "tshark not found: skipped"; exit 77; fi
rm -rf "$out"
for s in ap_deauth ap_disassoc ap_refuse max_stations hidden_ssid gtk_rekey group_key_miss dhcp_move dhcp_lan_nak \
         cable_move; do
    "$linkrig" run --quiet --out "$out" "$dir/$s.yaml" || { echo "FAIL: scenario $s did not pass"; exit 1; }
done
fail() { echo "FAIL: $*"; exit 1; }
# count SCENARIO air|wire FILTER [tshark options...]
count() {
    s=$1; cap=$2; f=$3; shift 3
    "$tshark" -r "$out/$s/$cap.pcap" "$@" -Y "$f" 2>/dev/null | wc -l
}
expect() { # expect MIN SCENARIO CAPTURE FILTER WHAT [options...]
    min=$1; s=$2; cap=$3; f=$4; what=$5; shift 5
    n=$(count "$s" "$cap" "$f" "$@")
    echo "$s: $what: $n"
    [ "$n" -ge "$min" ] || fail "$s: expected at least $min: $what ($f)"
}
CAM=02:00:00:00:00:01
DEAUTH="wlan.fc.type_subtype == 0x0c"
DISASSOC="wlan.fc.type_subtype == 0x0a"
ASSOC_RESP="wlan.fc.type_subtype == 0x01"
expect 1 ap_deauth air "$DEAUTH && wlan.da == $CAM && wlan.fixed.reason_code == 4" "deauthentication, reason 4 (inactivity)"
expect 1 ap_deauth air "$DEAUTH && wlan.da == $CAM && wlan.fixed.reason_code == 1" "deauthentication, reason 1 (unspecified)"
expect 1 ap_disassoc air "$DISASSOC && wlan.da == $CAM && wlan.fixed.reason_code == 5" "disassociation, reason 5 (AP busy)"
expect 1 ap_refuse air "$ASSOC_RESP && wlan.fixed.status_code == 30 && wlan.timeout_int.type == 3 && wlan.timeout_int.value == 4882" \
    "association refused, status 30, comeback 4882 TU"
expect 1 max_stations air "$ASSOC_RESP && wlan.da == 02:00:00:00:00:03 && wlan.fixed.status_code == 17" \
    "cam3's association refused, status 17"
expect 1 max_stations air "$ASSOC_RESP && wlan.da == 02:00:00:00:00:03 && wlan.fixed.status_code == 0" \
    "cam3 associated once there was room"
expect 100 hidden_ssid air "wlan.fc.type_subtype == 0x08 && wlan.tag.number == 0 && wlan.tag.length == 0" "beacons with an empty SSID"
n=$(count hidden_ssid air "wlan.fc.type_subtype == 0x08 && wlan.ssid == \"camnet\"")
[ "$n" -eq 0 ] || fail "hidden_ssid: $n beacons name the SSID"
expect 2 hidden_ssid air "wlan.fc.type_subtype == 0x04 && wlan.ssid == \"camnet\"" "directed probe requests"
expect 2 hidden_ssid air "wlan.fc.type_subtype == 0x05 && wlan.ssid == \"camnet\"" "probe responses naming the SSID"
KEYS='uat:80211_keys:"wpa-pwd","correct horse battery:camnet"'
expect 2 gtk_rekey air "eapol && wlan_rsna_eapol.keydes.key_info.key_type == 0 && wlan_rsna_eapol.keydes.key_info.key_ack == 1 && wlan.rsn.ie.gtk_kde.key_id == 2" \
    "group message 1 decrypted with the passphrase: a GTK for key ID 2" -o wlan.enable_decryption:TRUE -o "$KEYS"
expect 1 gtk_rekey air "eapol && wlan_rsna_eapol.keydes.key_info.key_type == 0 && wlan_rsna_eapol.keydes.key_info.key_ack == 1 && wlan.rsn.ie.gtk_kde.key_id == 1 && frame.time_relative > 200" \
    "a later rekey back to key ID 1" -o wlan.enable_decryption:TRUE -o "$KEYS"
expect 3 gtk_rekey air "eapol && wlan_rsna_eapol.keydes.key_info.key_type == 0 && wlan_rsna_eapol.keydes.key_info.key_ack == 0 && wlan_rsna_eapol.keydes.key_info.key_mic == 1" \
    "group message 2 from the camera" -o wlan.enable_decryption:TRUE -o "$KEYS"
n=$(count gtk_rekey air "eapol" )
[ "$n" -eq 4 ] || fail "gtk_rekey: without the keys only the 4 frames of the 4-way handshake are EAPOL to Wireshark (saw $n): the group key handshake must be protected"
expect 4 group_key_miss air "eapol && wlan_rsna_eapol.keydes.key_info.key_type == 0 && wlan_rsna_eapol.keydes.key_info.key_ack == 1 && frame.time_relative > 239 && frame.time_relative < 244" \
    "group message 1 sent 4 times to the camera that misses it" -o wlan.enable_decryption:TRUE -o "$KEYS"
expect 1 group_key_miss air "$DEAUTH && wlan.da == $CAM && wlan.fixed.reason_code == 16" "deauthentication, reason 16 (group key handshake timeout)"
expect 1 dhcp_move wire "dhcp.option.dhcp == 6 && ip.src == 10.0.2.254" "DHCP NAK of the renewal"
expect 1 dhcp_move wire "dhcp.option.dhcp == 5 && dhcp.ip.your == 192.168.7.20 && dhcp.option.router == 192.168.7.1" "DHCP ACK in the new subnet"
expect 1 dhcp_move wire "arp.opcode == 2 && arp.src.proto_ipv4 == 192.168.7.1 && arp.src.hw_mac == 52:55:0a:00:02:02" "ARP for the new router answered"
expect 100 dhcp_move wire "ip.src == 192.168.7.20 && tcp.dstport == 9000 && tcp.len > 0" "uploads from the new address"
expect 1 dhcp_move wire "dhcp.option.dhcp == 3 && ip.src == 192.168.7.20 && ip.dst == 10.0.2.254" "a renewal routed to the server"
expect 1 dhcp_lan_nak wire "dhcp.option.dhcp == 6 && ip.src == 10.0.2.253" "the wired segment's server NAKs"
expect 1 cable_move wire "dhcp.option.dhcp == 6 && ip.src == 192.168.50.254" "the new network's server NAKs the old address"
expect 1 cable_move wire "dhcp.option.dhcp == 5 && dhcp.ip.your == 192.168.50.100 && dhcp.option.router == 192.168.50.1" "DHCP ACK in the new network"
expect 1 cable_move wire "arp.opcode == 2 && arp.src.proto_ipv4 == 192.168.50.1" "ARP for the new router answered"
expect 100 cable_move wire "ip.src == 192.168.50.100 && tcp.dstport == 9000 && tcp.len > 0" "uploads from the new network"
echo "ok"
