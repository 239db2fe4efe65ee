#!/bin/sh
# WPA3 and Enterprise networks (issue 16): every scenario of
# scenarios/security/ passes with the bundled camera against a FreeRADIUS
# started by the run (joins with PEAP-MSCHAPv2, TTLS-PAP and EAP-TLS; each
# credential fault seen by the firmware as WRONG_PASSWORD; the server down
# or slow; WPA3, transition mode, a forged deauthentication with and
# without PMF). Then tshark reads the captures: the EAP method of each
# Enterprise join on the air, RADIUS in the wire capture with valid IPv4 and
# UDP checksums, no malformed packet, and the PMK line printed with the
# verdict decrypts the air capture of an Enterprise and of an SAE join.
#   security_scenarios.sh LINKRIG SCENARIO_DIR OUT
set -u
linkrig=$1; dir=$2; out=$3
command -v tshark >/dev/null || { echo "tshark not found: skipped"; exit 77; }
command -v freeradius >/dev/null || [ -x /usr/sbin/freeradius ] || { echo "freeradius not found: skipped"; exit 77; }
rm -rf "$out"; mkdir -p "$out"
fail=0
"$linkrig" run --out "$out" "$dir"/*.yaml >"$out/log.txt" 2>&1
rc=$?
grep -E "^[a-z0-9_]+: (PASS|FAIL)|\[FAIL\]" "$out/log.txt"
[ $rc -eq 0 ] || { echo "FAIL: linkrig run exited $rc"; tail -20 "$out/log.txt"; fail=1; }

eap_type() { # scenario type
    n=$(tshark -r "$out/$1/air.pcap" -Y "eap.type == $2" 2>/dev/null | wc -l)
    echo "$1: $n EAP frames of type $2 on the air"
    [ "$n" -gt 0 ] || { echo "FAIL: $1: no EAP type $2"; fail=1; }
}
eap_type peap_join 25
eap_type ttls_join 21
eap_type tls_join 13
for s in peap_join ttls_join tls_join peap_wrong_password tls_revoked; do
    n=$(tshark -r "$out/$s/wire.pcap" -Y radius 2>/dev/null | wc -l)
    bad=$(tshark -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -r "$out/$s/wire.pcap" \
        -Y 'ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || _ws.malformed' 2>/dev/null | wc -l)
    mal=$(tshark -r "$out/$s/air.pcap" -Y '_ws.malformed' 2>/dev/null | wc -l)
    echo "$s: $n RADIUS packets in the wire capture, $bad bad or malformed; $mal malformed on the air"
    [ "$n" -gt 0 ] && [ "$bad" -eq 0 ] && [ "$mal" -eq 0 ] || { echo "FAIL: $s captures"; fail=1; }
done
n=$(tshark -r "$out/peap_wrong_password/wire.pcap" -Y 'radius.code == 3' 2>/dev/null | wc -l)
echo "peap_wrong_password: $n Access-Reject"
[ "$n" -gt 0 ] || { echo "FAIL: no Access-Reject"; fail=1; }
for s in peap_join tls_join wpa3_join; do
    cmd=$(sed -n "/^$s:/,/scenario(s)\|^[a-z0-9_]*: \(PASS\|FAIL\)/p" "$out/log.txt" | sed -n 's/^  decrypt: \(.*wpa-psk.*air.pcap\).*/\1/p' | head -1)
    [ -n "$cmd" ] || { echo "FAIL: $s: no PMK line"; fail=1; continue; }
    n=$(eval "$cmd -Y tcp.dstport==9000" 2>/dev/null | wc -l)
    echo "$s: the PMK line decrypts $n TCP segments to the sink"
    [ "$n" -gt 10 ] || { echo "FAIL: $s: the PMK does not decrypt the capture"; fail=1; }
done
# a forged deauthentication on a PMF link is dropped by the chip
n=$(grep -c pmf_unprotected_ignored "$out/spoofed_deauth_pmf/trace.jsonl")
[ "$n" -gt 0 ] || { echo "FAIL: no pmf_unprotected_ignored"; fail=1; }
# the RADIUS server's files stay in the output folder, and it is gone
ls "$out/peap_join/radius/ap1/radiusd.conf" >/dev/null || fail=1
if pgrep -f "radiusd -l stdout" | grep -q .; then
    for p in $(pgrep -f "radiusd -l stdout"); do
        case "$(readlink /proc/$p/cwd 2>/dev/null; tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)" in
        *"$out"*) echo "FAIL: FreeRADIUS $p outlived the run"; fail=1 ;;
        esac
    done
fi
[ $fail -eq 0 ] && echo "PASS"
exit $fail
