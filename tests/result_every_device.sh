#!/bin/sh
# result_every_device.sh LINKRIG SCENARIO OUTDIR N
# A world of N devices (more than the 16 the summary and JUnit list) gives
# result.jsonl a device line for each of them, in the scenario's order, and
# the report a row each.
set -u
linkrig=$1; scn=$2; out=$3; n=$4
name=$(sed -n 's/^name: *//p' "$scn" | head -n 1)
rm -rf "$out"
mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }
"$linkrig" run --quiet --out "$out" "$scn" > "$out/run.txt" 2>&1
[ $? -le 1 ] || { cat "$out/run.txt"; fail "the run did not finish"; }
res="$out/$name/result.jsonl"
got=$(grep -c '"kind":"device"' "$res")
[ "$got" = "$n" ] || fail "result.jsonl has $got device lines, want $n"
# the names, in order, as the scenario lists them
sed -n 's/.*{name: *\([^,}]*\).*/\1/p' "$scn" > "$out/want.txt"
sed -n 's/.*"kind":"device","dev":"\([^"]*\)".*/\1/p' "$res" > "$out/have.txt"
cmp -s "$out/want.txt" "$out/have.txt" || { diff "$out/want.txt" "$out/have.txt"; fail "device lines out of order"; }
"$linkrig" report "$out" > /dev/null 2>&1 || fail "linkrig report failed"
last=$(tail -n 1 "$out/want.txt")
grep -q "$last</th><td colspan=2>first link" "$out/$name/report.html" || fail "the report has no row for $last"
echo "ok: $n device lines in result.jsonl, in order; the report names the last, $last"
