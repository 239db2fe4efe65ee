#!/bin/sh
# live_console.sh LINKRIG WORKDIR
# The live console (issue 18 point 7, issue 13's console): a line longer
# than the console's buffer is refused whole (its tail never runs: 600 junk
# bytes followed by "ap off" leave the AP on); values are checked by the
# scenario parser's validators (the same words as a file's error); `console
# cam LINE` reaches the camera's serial console and its answer is printed as
# "cam> ..."; the reply to a console write says what the device's UART did.
# Every wait is bounded; nothing measures wall-clock time.
set -u
linkrig=$1; work=$2
. "$(dirname "$0")/live_lib.sh"
live_start

echo "console camera status" >&3
wait_for "cam> status" || fail "no answer from the camera's console ('camera': the one device)"
# the camera is up after its first join; ask until it says so
ok=0
for i in $(seq 1 30); do
    grep -q "cam> status GOT_IP" "$work/out.txt" && { ok=1; break; }
    echo "console cam status" >&3
    sleep 0.5
done
[ $ok = 1 ] || fail "the camera never reported GOT_IP on its console"
echo "camera console answers: $(grep -m1 'cam> status GOT_IP' "$work/out.txt")"

# an overlong line: refused whole, its tail is not a command
junk=$(head -c 600 /dev/zero | tr '\0' 'x')
printf '%s ap off\n' "$junk" >&3
wait_for "line too long" || fail "an overlong line was not refused"
echo status >&3
wait_for " ap1=" || fail "no status line"
grep " ap1=" "$work/out.txt" | tail -1 | grep -q "ap1=on" || fail "the tail of an overlong line ran (ap1 is off)"
grep -q "ok: ap1 off" "$work/out.txt" && fail "the tail of an overlong line ran as 'ap off'"
echo "overlong line refused whole; ap1 still on"

# values: the scenario parser's validators and words
echo "ap power 99" >&3
wait_for "ap power: 99 is out of range (-10..30 dBm)" || fail "ap power 99 not refused with the parser's message"
echo "ap passphrase short" >&3
wait_for "ap passphrase: is 5 characters long" || fail "a short passphrase was not refused"
echo "ap reboot 400d" >&3
wait_for "ap reboot: 400d is longer than a year" || fail "ap reboot 400d was not refused"
echo "move camera 1e9" >&3
wait_for "move: X: 1e9 is out of range" || fail "move camera 1e9 was not refused"
echo "values refused with the parser's messages"

# a console write and the camera's answer
echo "console cam disconnect" >&3
wait_for "ok: written to cam's console: disconnect" || fail "no reply to the console write"
wait_for "cam> disconnected" || fail "the camera did not answer 'disconnect'"
echo "console cam connect camnet not-the-key" >&3
wait_for "cam> connect failed: WRONG_PASSWORD" || fail "the camera did not report the wrong key"
echo "console cam connect camnet correct horse battery" >&3
wait_for "cam> connected to camnet" || fail "the camera did not reconnect with the right key"
echo "console nosuch status" >&3
wait_for "error: no device named 'nosuch'" || fail "an unknown device was accepted"
echo "camera driven through its console"

live_quit
log="$work/out/live/console.log"
[ -s "$log" ] || fail "no console.log"
grep -q " in  disconnect" "$log" && grep -q " out disconnected" "$log" || fail "console.log lacks the lines"
echo "console.log: $(wc -l < "$log") lines"
echo "PASS"
