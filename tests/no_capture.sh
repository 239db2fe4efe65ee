#!/bin/sh
# no_capture.sh LINKRIG SCENARIO OUTDIR
# Verdict-only runs: --no-capture writes neither capture, capture.air: false
# drops only the air capture, and neither changes the trace or the verdict.
set -u
linkrig=$1; scn=$2; out=$3
name=$(basename "$scn" .yaml)
rm -rf "$out"
mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }
"$linkrig" run --quiet --out "$out/full" "$scn" > /dev/null || fail "the capturing run failed"
"$linkrig" run --no-capture --out "$out/none" "$scn" > "$out/none.txt" || fail "the --no-capture run failed"
for f in air.pcap wire.pcap; do
    [ -e "$out/none/$name/$f" ] && fail "--no-capture wrote $f"
done
grep -q "captures: off (air), off (wire)" "$out/none.txt" || fail "the summary does not say the captures are off"
cmp "$out/full/$name/trace.jsonl" "$out/none/$name/trace.jsonl" || fail "the trace changed without captures"
cmp "$out/full/$name/result.jsonl" "$out/none/$name/result.jsonl" || fail "the verdict changed without captures"
# The scenario keys: the same file with capture: {air: false}.
sed "s/^name: .*/name: ${name}_noair/" "$scn" > "$out/noair.yaml"
printf 'capture:\n  air: false\n' >> "$out/noair.yaml"
grep -c '^capture:' "$out/noair.yaml" | grep -qx 1 || fail "the test scenario already has a capture: section"
"$linkrig" run --quiet --out "$out/keys" "$out/noair.yaml" > /dev/null || fail "the capture.air: false run failed"
[ -e "$out/keys/${name}_noair/air.pcap" ] && fail "capture.air: false wrote air.pcap"
cmp "$out/full/$name/wire.pcap" "$out/keys/${name}_noair/wire.pcap" || fail "the wire capture changed without the air capture"
echo "ok: no captures with --no-capture, only wire.pcap with capture.air: false; trace and verdict unchanged"
