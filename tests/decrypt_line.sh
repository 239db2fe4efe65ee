#!/bin/sh
# After the verdict the summary names the captures and prints a tshark
# command with the network's key: that very command must decrypt the air
# capture (the camera's TCP to the sink becomes readable).
#   decrypt_line.sh LINKRIG SCENARIO OUT
set -u
linkrig=$1; scenario=$2; out=$3
command -v tshark >/dev/null || { echo "tshark not found: skipped"; exit 77; }
log=$("$linkrig" run --out "$out" "$scenario" 2>&1)
echo "$log" | grep -E "captures:|decrypt:"
cmd=$(echo "$log" | sed -n 's/^  decrypt: //p' | head -1)
[ -n "$cmd" ] || { echo "FAIL: no decrypt line in the summary"; exit 1; }
n=$(eval "$cmd -Y tcp.dstport==9000" 2>/dev/null | wc -l)
echo "decrypted TCP segments to the sink: $n"
[ "$n" -gt 100 ] || { echo "FAIL: the printed command does not decrypt the capture"; exit 1; }
