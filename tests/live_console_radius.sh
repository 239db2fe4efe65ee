#!/bin/sh
# live_console_radius.sh LINKRIG SCENARIO WORKDIR
# The credential faults typed at the live console (issue 16 point 4): with
# the camera joined to a WPA2-Enterprise network (PEAP), `ap radius password
# alice ...` changes the user's password on the RADIUS server (FreeRADIUS
# restarts with it); after `ap deauth` the camera's rejoin is refused and
# the status line shows the firmware's WRONG_PASSWORD; `ap radius password`
# with the old password lets it back in (GOT_IP). `ap radius cert expired`
# and `ap radius revoke` answer ok; bad values are refused with the usage;
# no FreeRADIUS (the first nor a restarted one) outlives `quit`.
# Every wait is bounded; nothing measures wall-clock time.
set -u
linkrig=$1; scenario=$2; work=$3
command -v freeradius >/dev/null || [ -x /usr/sbin/freeradius ] || { echo "freeradius not found: skipped"; exit 77; }
. "$(dirname "$0")/live_lib.sh"
live_start "$scenario"
# status_until WORD: `status` until its firmware= field is WORD (at most 30 s)
status_until() {
    for i in $(seq 1 60); do
        echo status >&3
        sleep 0.5
        grep "^status t=" "$work/out.txt" | tail -1 | grep -q "firmware=$1" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
    done
    return 1
}

status_until GOT_IP || fail "the camera never joined the Enterprise network"
echo "joined: $(grep '^status t=' "$work/out.txt" | tail -1 | cut -c1-80)"

echo "ap radius cert bogus" >&3
wait_for "error: ap radius [AP] cert ok|expired|untrusted" || fail "a bad certificate value was accepted"
echo "ap radius revoke nosuch" >&3
wait_for "error: ap radius [AP] revoke CN: the CN of a client certificate of ap1 (there: cam)" ||
    fail "an unknown client certificate was accepted"
echo "ap radius password nobody x" >&3
wait_for "(there: alice)" || fail "an unknown user was accepted"
echo "bad values refused"

echo "ap radius password alice another pass 9" >&3
wait_for "ok: ap1's RADIUS server has a new password for alice" || fail "no reply to ap radius password"
echo "ap deauth unspecified" >&3
wait_for "ok: ap1 sends a deauthentication" || fail "no reply to ap deauth"
status_until WRONG_PASSWORD || fail "the firmware never saw WRONG_PASSWORD after the password change"
echo "refused: $(grep '^status t=' "$work/out.txt" | tail -1 | cut -c1-80)"

echo "ap radius password alice alice pass 1" >&3
wait_for "ok: ap1's RADIUS server has a new password for alice" || fail "no reply to the password change back"
status_until GOT_IP || fail "the camera did not rejoin with the password back"
echo "rejoined: $(grep '^status t=' "$work/out.txt" | tail -1 | cut -c1-80)"

echo "ap radius cert expired" >&3
wait_for "ok: ap1's RADIUS server presents an expired certificate" || fail "no reply to ap radius cert expired"
echo "ap radius revoke cam" >&3
wait_for "ok: ap1's RADIUS server revokes cam's certificate" || fail "no reply to ap radius revoke"
echo "ap radius unrevoke cam" >&3
wait_for "ok: ap1's RADIUS server accepts again cam's certificate" || fail "no reply to ap radius unrevoke"
echo "ap radius remove alice" >&3
wait_for "ok: ap1's RADIUS server no longer knows alice" || fail "no reply to ap radius remove"

live_quit
n=$(grep -c "Ready to process requests" "$work/out/"*/radius/ap1/radius.log)
# the restarted servers die with the run as the first one does
if command -v pgrep >/dev/null; then
    i=0
    while [ $i -lt 30 ] && pgrep -f -- "-d $work/out" >/dev/null; do sleep 0.1; i=$((i + 1)); done
    left=$(pgrep -f -- "-d $work/out" | tr '\n' ' ')
    [ -z "$left" ] || { kill $left; fail "FreeRADIUS outlived the run: $left"; }
fi
echo "FreeRADIUS started $n times (1 + one per change)"
[ "$n" -eq 7 ] || fail "expected 7 FreeRADIUS starts, saw $n"
echo "PASS"
