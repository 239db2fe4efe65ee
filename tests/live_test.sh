#!/bin/sh
# live_test.sh LINKRIG TSHARK WORKDIR
# Laptop mode, for real: `linkrig live` runs in real time for a few seconds
# with its console on a pipe and its air capture on a FIFO that a reader
# copies while the run is live; the test fetches the camera's status page
# through the port forward with curl, injects an AP reboot, sees the page stop
# answering and come back, reads the status lines, stops the run with SIGINT
# and checks the captures with tshark. Every wait is bounded.
set -u
linkrig=$1; tshark=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
port=$((18000 + $$ % 1000))
mkfifo "$work/console" "$work/air.fifo" "$work/wire.fifo"
fail() { echo "FAIL: $*"; cat "$work/out.txt" 2>/dev/null | tail -20; kill "$pid" 2>/dev/null; exit 1; }

# Readers: the air FIFO is copied whole; the wire FIFO's reader leaves early,
# which must not stop the run.
cat "$work/air.fifo" > "$work/air_copy.pcap" &
reader=$!
head -c 3000 "$work/wire.fifo" > /dev/null &

exec 3<>"$work/console"   # keep the console open for writing
"$linkrig" live --out "$work/out" --pcap-air "$work/air.fifo" --pcap-wire "$work/wire.fifo" \
    --hostfwd "tcp:127.0.0.1:$port-:80" --console-socket "$work/console.sock" \
    <"$work/console" >"$work/out.txt" 2>&1 &
pid=$!

page() { curl -s -m 1 "http://127.0.0.1:$port/" 2>/dev/null; }
# the camera joins, gets its address and starts its web server
ok=0
for i in $(seq 1 50); do
    if page | grep -q "camera status"; then ok=1; break; fi
    sleep 0.2
done
[ $ok = 1 ] || fail "status page never answered on 127.0.0.1:$port"
echo "status page reachable through the port forward"
page | grep -E "wlan_status|healthy" | head -2

echo status >&3
echo "ap reboot 4s" >&3
sleep 1.5
echo status >&3
# during the reboot the page does not answer
if page | grep -q "camera status"; then fail "status page answered during the AP reboot"; fi
echo "status page silent during the AP reboot"
echo "nonsense here" >&3
ok=0
for i in $(seq 1 150); do
    if page | grep -q "camera status"; then ok=1; break; fi
    sleep 0.2
done
[ $ok = 1 ] || fail "status page did not come back after the reboot"
echo "status page back after the reboot"
# the same console on the Unix socket (python3 is the client at hand)
if command -v python3 >/dev/null 2>&1; then
    reply=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(b"status\nfoo\n")
data = b""
while data.count(b"\n") < 2:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(), end="")
' "$work/console.sock" 2>&1)
    echo "$reply" | grep -q "^status t=.*link=up" || fail "no status over the console socket: $reply"
    echo "$reply" | grep -q "^error: unknown command 'foo'" || fail "no error line over the console socket: $reply"
    echo "console socket answers: $(echo "$reply" | head -1 | cut -c1-60)..."
else
    echo "python3 not found: console socket check skipped"
fi
echo status >&3
sleep 0.5
kill -INT "$pid"
wait "$pid"; rc=$?
exec 3>&-
wait "$reader" 2>/dev/null
[ $rc -eq 0 ] || fail "linkrig live exited with $rc after SIGINT"
grep -q "^ok: ap1 reboots for 4s" "$work/out.txt" || fail "no reply to the reboot command"
[ "$(grep -c '^status t=' "$work/out.txt")" -ge 3 ] || fail "fewer than 3 status lines"
grep -q "^status t=.* link=down .*ap1=off" "$work/out.txt" || fail "no status line showing the AP down"
grep -q "^error: unknown command 'nonsense'" "$work/out.txt" || fail "bad command not answered with one error line"
grep -q "^live: " "$work/out.txt" || fail "no summary after SIGINT"
grep '^status t=' "$work/out.txt"

# captures: valid after SIGINT, the FIFO copy too, and the AP's silence is on the air
for f in "$work/air_copy.pcap" "$work/out/live/trace.jsonl"; do [ -s "$f" ] || fail "$f is empty"; done
if [ -n "$tshark" ]; then
    n=$("$tshark" -r "$work/air_copy.pcap" 2>/dev/null | wc -l)
    [ "$n" -gt 50 ] || fail "the air capture read through the FIFO has only $n packets"
    m=$("$tshark" -r "$work/air_copy.pcap" -Y _ws.malformed 2>/dev/null | wc -l)
    [ "$m" -eq 0 ] || fail "$m malformed packets in the air capture"
    gap=$("$tshark" -r "$work/air_copy.pcap" -Y "wlan.fc.type_subtype == 0x0008" -T fields -e frame.time_relative 2>/dev/null |
          awk 'NR > 1 && $1 - prev > max { max = $1 - prev } { prev = $1 } END { printf "%d", max * 1000 }')
    [ "$gap" -ge 3500 ] || fail "no beacon gap for the AP reboot in the air capture (longest gap ${gap} ms)"
    echo "air capture via FIFO: $n packets, 0 malformed, longest beacon gap ${gap} ms"
fi
echo "live test passed"
