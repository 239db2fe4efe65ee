#!/bin/sh
# golden_outputs.sh LINKRIG SCENARIOS_DIR OUTDIR [--update]
# Captures and trace of a few library scenarios against committed hashes
# (tests/golden/outputs.sha256): a speed-up that is meant to change nothing
# must leave every byte of air.pcap, wire.pcap and trace.jsonl as it was.
# A change that is meant to change what the rig does or records (a model, a
# trace event) regenerates the file and commits it with that change:
#   sh tests/golden_outputs.sh build/linkrig scenarios /tmp/golden --update
set -u
linkrig=$1; scn=$2; out=$3; update=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
list=$here/golden/outputs.sha256
names="ap_reboot cable_pull dhcp_expiry group_key_miss gtk_rekey radio_wedge three_cameras_two_leases two_cameras_ap_reboot"
rm -rf "$out"
mkdir -p "$out"
# Plus tests/golden/*.yaml: worlds the library does not have (many devices
# on several channels), named golden_<file> inside.
extra=""
for f in "$here"/golden/*.yaml; do
    extra="$extra golden_$(basename "$f" .yaml)"
done
for n in $names; do
    "$linkrig" run --quiet --out "$out" "$scn/$n.yaml" > "$out/$n.log" 2>&1 ||
        { echo "$n: the run failed"; cat "$out/$n.log"; exit 1; }
done
for f in "$here"/golden/*.yaml; do
    "$linkrig" run --quiet --out "$out" "$f" > "$out/$(basename "$f").log" 2>&1 ||
        { echo "$f: the run failed"; cat "$out/$(basename "$f").log"; exit 1; }
done
names="$names$extra"
(cd "$out" && for n in $names; do sha256sum "$n/air.pcap" "$n/wire.pcap" "$n/trace.jsonl"; done) > "$out/now.sha256"
if [ "$update" = --update ]; then
    cp "$out/now.sha256" "$list"
    echo "wrote $list"
    exit 0
fi
if ! cmp -s "$list" "$out/now.sha256"; then
    echo "outputs differ from tests/golden/outputs.sha256 (regenerate with --update only if the change is meant to change them):"
    diff "$list" "$out/now.sha256"
    exit 1
fi
echo "identical: $(wc -l < "$list") files of $(echo $names | wc -w) scenarios"
