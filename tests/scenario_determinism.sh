#!/bin/sh
# scenario_determinism.sh LINKRIG SCENARIO OUTDIR [RUN OPTIONS...]
# The same scenario and seed twice: byte-identical captures and trace.
linkrig=$1; scn=$2; out=$3
shift 3
rm -rf "$out/a" "$out/b"
"$linkrig" run --quiet "$@" --out "$out/a" "$scn" || exit 1
"$linkrig" run --quiet "$@" --out "$out/b" "$scn" || exit 1
name=$(basename "$scn" .yaml)
for f in air.pcap wire.pcap trace.jsonl; do
    cmp "$out/a/$name/$f" "$out/b/$name/$f" || { echo "$f differs between two runs"; exit 1; }
    echo "identical: $f ($(wc -c < "$out/a/$name/$f") bytes)"
done
