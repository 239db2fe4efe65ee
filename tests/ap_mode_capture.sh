#!/bin/sh
# AP mode in the air capture, as Wireshark decodes it: the camera's setup
# network (scenarios/ap_mode/ap_mode_setup.yaml) beacons from the camera's own BSSID,
# the phone's 4-way handshake, DHCP from the camera's server and the HTTP
# fetch of the configuration page (decrypted with the setup passphrase) and
# the phone's leave (reason 3);
# with a wrong passphrase (ap_mode_wrong_passphrase.yaml) the camera's AP
# sends message 1 four times and a Deauthentication with reason 15, and the
# phone never sends DHCP. No malformed frame in either capture.
#   ap_mode_capture.sh LINKRIG SCENARIOS OUT TSHARK
set -eu
linkrig=$1; dir=$2; out=$3; tshark=$4
for s in ap_mode_setup ap_mode_wrong_passphrase; do
    "$linkrig" run --quiet --out "$out" "$dir/$s.yaml"
done
if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
    echo "tshark not found: capture check skipped"; exit 77
fi
BSS=02:00:00:0a:00:01   # the camera's AP interface (softap.h: byte 3 = 0x0a)
PHONE=02:00:00:00:00:02
KEY='uat:80211_keys:"wpa-pwd","setup passphrase:cam-setup"'
fail=0
n() { "$tshark" -r "$out/$1/air.pcap" -o wlan.enable_decryption:TRUE -o "$KEY" -Y "$2" 2>/dev/null | wc -l; }
expect() { # scenario, min, max, filter, what
    c=$(n "$1" "$4")
    if [ "$c" -ge "$2" ] && [ "$c" -le "$3" ]; then
        echo "ok   $1: $5 ($c)"
    else
        echo "FAIL $1: $5: $c frames, expected $2..$3 (filter: $4)"; fail=1
    fi
}
S=ap_mode_setup
expect $S 300 1000 "wlan.fc.type_subtype == 8 && wlan.bssid == $BSS && wlan.ssid == \"cam-setup\" && wlan.rsn.akms.type == 2" "beacons of the camera's WPA2 network"
expect $S 4 4 "eapol && wlan.bssid == $BSS" "the phone's 4-way handshake"
expect $S 1 1 "eapol && wlan.sa == $PHONE && wlan_rsna_eapol.keydes.msgnr == 4" "message 4 from the phone"
expect $S 1 1 "dhcp.option.dhcp == 1 && wlan.sa == $PHONE" "DHCPDISCOVER from the phone"
expect $S 1 1 "dhcp.option.dhcp == 2 && wlan.bssid == $BSS && dhcp.option.dhcp_server_id == 192.168.4.1" "DHCPOFFER from the camera"
expect $S 1 1 "dhcp.option.dhcp == 5 && wlan.bssid == $BSS && dhcp.ip.your == 192.168.4.16" "DHCPACK of 192.168.4.16"
expect $S 1 1 "http.request.uri == \"/config.html\" && ip.dst == 192.168.4.1" "HTTP GET of the configuration page"
expect $S 1 1 "http.response.code == 200 && ip.src == 192.168.4.1 && http contains \"camera setup\"" "HTTP 200 with the page"
expect $S 1 1 "wlan.fc.type_subtype == 12 && wlan.sa == $PHONE && wlan.da == $BSS && wlan.fixed.reason_code == 3" "the phone leaves: deauthentication, reason 3"
expect $S 0 0 "_ws.malformed || _ws.expert.severity == error" "malformed frames"
S=ap_mode_wrong_passphrase
expect $S 8 8 "eapol && wlan.sa == $BSS && wlan.da == $PHONE" "message 1, four times per attempt, two attempts"
expect $S 2 2 "wlan.fc.type_subtype == 12 && wlan.sa == $BSS && wlan.da == $PHONE && wlan.fixed.reason_code == 15" "deauthentication, reason 15"
expect $S 0 0 "dhcp && wlan.sa == $PHONE" "DHCP from the phone"
expect $S 0 0 "_ws.malformed || _ws.expert.severity == error" "malformed frames"
exit $fail
