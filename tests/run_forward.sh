#!/bin/sh
# Port forwards in run mode: a host connection reaches the device's web
# page through --hostfwd while the scenario runs (paced to the wall clock,
# so that there is time to connect).
#   run_forward.sh LINKRIG SCENARIO OUT
set -u
linkrig=$1; scenario=$2; out=$3
command -v curl >/dev/null || { echo "curl not found: skipped"; exit 77; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$linkrig" run --realtime --quiet --out "$out" --hostfwd "tcp:127.0.0.1:$port-:80" "$scenario" &
pid=$!
page=""
for i in $(seq 1 30); do
    sleep 0.5
    page=$(curl -s --max-time 3 "http://127.0.0.1:$port/" || true)
    case "$page" in *linkrig*|*camera*|*Camera*) break ;; esac
done
wait $pid
rc=$?
echo "$page" | head -5
case "$page" in *linkrig*|*camera*|*Camera*) ;; *) echo "FAIL: no page through the forward"; exit 1 ;; esac
[ "$rc" -eq 0 ] || { echo "FAIL: the run exited $rc"; exit 1; }
