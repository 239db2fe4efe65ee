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
# The credential faults of the timeline show in the wire capture: an
# Access-Reject after the fault and none before, an Access-Accept after its
# end; the SAE password change shows as SAE Confirm mismatches after it.
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
# The credential faults of the timeline (radius_server_cert, radius_revoke,
# radius_user): FreeRADIUS, restarted with the new files, refuses the
# camera's re-authentication after the fault (an Access-Reject in the wire
# capture, none before it), the chip names the cause, and, where the fault
# ends, an Access-Accept follows its end. Times are virtual seconds; the
# captures' epoch is the scenarios' default (2026-01-01T00:00:00Z).
epoch=1767225600
radius_count() { # scenario code from to
    tshark -r "$out/$1/wire.pcap" \
        -Y "radius.code == $2 && frame.time_epoch >= $((epoch + $3)) && frame.time_epoch < $((epoch + $4))" \
        2>/dev/null | wc -l
}
credential_fault() { # scenario fault_at fault_end(- for none) chip_kind
    s=$1
    restarts=$(grep -c '"event":"radius_restart"' "$out/$s/trace.jsonl")
    before=$(radius_count "$s" 3 0 "$2")
    after=$(radius_count "$s" 3 "$2" 100000)
    kind=$(grep -c "\"event\":\"eap_failure\",\"kind\":\"$4\"" "$out/$s/trace.jsonl")
    echo "$s: $restarts server restart(s); Access-Reject before the fault $before, after $after; chip eap_failure $4: $kind"
    [ "$restarts" -gt 0 ] && [ "$before" -eq 0 ] && [ "$after" -gt 0 ] && [ "$kind" -gt 0 ] ||
        { echo "FAIL: $s: the server did not refuse the camera after the fault"; fail=1; }
    accept_before=$(radius_count "$s" 2 0 "$2")
    if [ "$3" = - ]; then
        accept_after=$(radius_count "$s" 2 "$2" 100000)
        echo "$s: Access-Accept before the fault $accept_before, after it $accept_after (the fault has no end)"
        [ "$accept_before" -gt 0 ] && [ "$accept_after" -eq 0 ] || { echo "FAIL: $s: accepted after the fault"; fail=1; }
    else
        accept_after=$(radius_count "$s" 2 "$3" 100000)
        echo "$s: Access-Accept before the fault $accept_before, after its end $accept_after"
        [ "$accept_before" -gt 0 ] && [ "$accept_after" -gt 0 ] || { echo "FAIL: $s: no recovery"; fail=1; }
    fi
}
credential_fault radius_server_cert_expired 20 60 server_certificate
credential_fault radius_server_cert_untrusted 20 60 server_certificate
credential_fault radius_revoke 20 60 client_certificate
credential_fault radius_user_password 20 60 rejected
credential_fault radius_user_removed 20 - rejected
grep -q "certificate expired" "$out/radius_server_cert_expired/radius/ap1/radius.log" &&
    grep -q "unknown CA" "$out/radius_server_cert_untrusted/radius/ap1/radius.log" &&
    grep -q "certificate revoked" "$out/radius_revoke/radius/ap1/radius.log" &&
    grep -q "MS-CHAP2-Response is incorrect" "$out/radius_user_password/radius/ap1/radius.log" ||
    { echo "FAIL: FreeRADIUS's log does not name each refusal's cause"; fail=1; }
# SAE password mismatch (ap_passphrase on a wpa3 AP): the camera's SAE
# Confirm fails only after the change, and it joins again after the change back
n=$(grep -c '"event":"sae_confirm_mismatch"' "$out/sae_password_change/trace.jsonl")
early=$(grep '"event":"sae_confirm_mismatch"' "$out/sae_password_change/trace.jsonl" | head -1 | sed 's/{"t":\([0-9]*\).*/\1/')
echo "sae_password_change: $n SAE Confirm mismatches, the first at t=${early:-none} ns"
[ "$n" -gt 0 ] && [ "${early:-0}" -ge 20000000000 ] || { echo "FAIL: sae_password_change: no mismatch after the change"; fail=1; }
# a forged deauthentication on a PMF link is dropped by the chip
n=$(grep -c pmf_unprotected_ignored "$out/spoofed_deauth_pmf/trace.jsonl")
[ "$n" -gt 0 ] || { echo "FAIL: no pmf_unprotected_ignored"; fail=1; }
# roaming in an Enterprise and a WPA3 ESS: the chip roamed once, with a
# whole PEAP exchange (or a new SAE exchange) with the second AP on the air
for n in roam_enterprise roam_wpa3; do
    r=$(grep -c '"event":"roamed"' "$out/$n/trace.jsonl")
    [ "$r" -eq 1 ] || { echo "FAIL: $n: $r roams, expected 1"; fail=1; }
done
n=$(tshark -r "$out/roam_enterprise/air.pcap" -Y "eap.type == 25 && wlan.bssid == 02:a0:00:00:00:02" 2>/dev/null | wc -l)
echo "roam_enterprise: $n PEAP frames with ap2"
[ "$n" -gt 0 ] || { echo "FAIL: roam_enterprise: no PEAP exchange with ap2"; fail=1; }
n=$(tshark -r "$out/roam_wpa3/air.pcap" -Y "wlan.fixed.auth.alg == 3 && wlan.bssid == 02:a0:00:00:00:02" 2>/dev/null | wc -l)
echo "roam_wpa3: $n SAE Authentication frames with ap2"
[ "$n" -ge 4 ] || { echo "FAIL: roam_wpa3: no SAE exchange with ap2"; fail=1; }
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
