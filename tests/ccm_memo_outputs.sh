#!/bin/sh
# ccm_memo_outputs.sh LINKRIG SCENARIO OUTDIR
# The world's CCM memo (dot11/ccm_memo.h) changes no byte: the same scenario
# with the memo (the default) and without it (LINKRIG_CCM_MEMO=0) gives
# identical captures - the decrypted air capture too, whose decryptor shares
# the memo - trace and results. And the memo must actually be used: the run
# with it reports hits on stderr (LINKRIG_CCM_MEMO_STATS=1), the run without
# it reports nothing.
linkrig=$1; scn=$2; out=$3
rm -rf "$out/on" "$out/off"
mkdir -p "$out"
LINKRIG_CCM_MEMO_STATS=1 "$linkrig" run --quiet --decrypted --out "$out/on" "$scn" 2> "$out/on.err" || exit 1
LINKRIG_CCM_MEMO=0 LINKRIG_CCM_MEMO_STATS=1 "$linkrig" run --quiet --decrypted --out "$out/off" "$scn" 2> "$out/off.err" ||
    exit 1
name=$(basename "$scn" .yaml)
for f in air.pcap air-decrypted.pcap wire.pcap trace.jsonl result.jsonl; do
    [ -s "$out/on/$name/$f" ] || { echo "$f missing"; exit 1; }
    cmp "$out/on/$name/$f" "$out/off/$name/$f" || { echo "$f differs with the memo"; exit 1; }
    echo "identical: $f ($(wc -c < "$out/on/$name/$f") bytes)"
done
hits=$(sed -n 's/^ccm memo: .* decryptions, \([0-9]*\) hits.*/\1/p' "$out/on.err")
[ -n "$hits" ] && [ "$hits" -gt 0 ] || { echo "the memo was never hit:"; cat "$out/on.err"; exit 1; }
grep -q '^ccm memo:' "$out/off.err" && { echo "LINKRIG_CCM_MEMO=0 still made a memo"; exit 1; }
grep '^ccm memo:' "$out/on.err"
exit 0
