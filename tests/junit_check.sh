#!/bin/sh
# junit_check.sh LINKRIG XSD OUT SCENARIO...
# The scenario library to JUnit, read as CI systems read it:
#  - the whole library in one run, and a weakened run that fails, validate
#    with xmllint against tests/junit.xsd and parse with junitparser
#    (tests/junit_read.py: classnames, times, properties, no line numbers in
#    names, failures with expected vs seen and the reproducing command);
#  - the library as 3 shards (--shard K/3), joined with junit-merge, has the
#    same tests with the same results as the single run;
#  - TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 picks the same scenarios as
#    --shard 2/3.
set -u
linkrig=$1; xsd=$2; out=$3; shift 3
here=$(dirname "$0")
rm -rf "$out"; mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }
# junitparser from Debian's python3-junitparser lives in the system Python
py=
for p in /usr/bin/python3 python3; do
    if "$p" -c "import junitparser" 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || fail "no python3 with junitparser (tools/setup.sh installs python3-junitparser)"
command -v xmllint >/dev/null || fail "no xmllint (tools/setup.sh installs libxml2-utils)"

"$linkrig" run --quiet --out "$out/full" --junit "$out/full.xml" "$@" || fail "the library did not pass"
"$linkrig" run --quiet --out "$out/weak" --junit "$out/weak.xml" --set lm.backoff_ms=0,0,0,0,0,0,0 \
    "$(echo "$@" | tr ' ' '\n' | grep '/ap_reboot.yaml$')" >"$out/weak.log" 2>&1
[ $? -eq 1 ] || { cat "$out/weak.log"; fail "the weakened run did not exit 1"; }
for k in 1 2 3; do
    "$linkrig" run --quiet --shard $k/3 --out "$out/shard$k" --junit "$out/shard$k.xml" "$@" ||
        fail "shard $k/3 did not pass"
done
"$linkrig" junit-merge "$out/merged.xml" "$out/shard1.xml" "$out/shard2.xml" "$out/shard3.xml" ||
    fail "junit-merge failed"
TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 "$linkrig" run --quiet --out "$out/env" --junit "$out/env.xml" "$@" ||
    fail "TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 did not pass"

for f in full weak shard1 shard2 shard3 merged env; do
    xmllint --noout --schema "$xsd" "$out/$f.xml" || fail "$f.xml does not validate against $xsd"
done
"$py" "$here/junit_read.py" "$out/full.xml" >"$out/full.txt" || fail "full.xml"
"$py" "$here/junit_read.py" "$out/merged.xml" >"$out/merged.txt" || fail "merged.xml"
"$py" "$here/junit_read.py" "$out/weak.xml" --expect-failure reconnect_spacing >"$out/weak.txt" || fail "weak.xml"
"$py" "$here/junit_read.py" "$out/shard2.xml" >"$out/shard2.txt" || fail "shard2.xml"
"$py" "$here/junit_read.py" "$out/env.xml" >"$out/env.txt" || fail "env.xml"
n=$(wc -l <"$out/full.txt")
[ "$n" -gt 20 ] || fail "only $n testcases in the library's JUnit"
cmp -s "$out/full.txt" "$out/merged.txt" || { diff "$out/full.txt" "$out/merged.txt"; fail "3 shards differ from one run"; }
cmp -s "$out/shard2.txt" "$out/env.txt" || { diff "$out/shard2.txt" "$out/env.txt"; fail "TEST_SHARD_INDEX=1 is not --shard 2/3"; }
for k in 1 2 3; do
    [ -s "$out/shard$k.xml" ] && grep -q "<testcase" "$out/shard$k.xml" || fail "shard $k/3 ran nothing"
done
grep -q 'name="seed"' "$out/full.xml" && grep -q "run --seed 1 " "$out/weak.xml" || fail "no seed or reproducing command"
grep "FAIL\|fail$" "$out/weak.txt" | head -3
echo "ok: $n testcases; 3 shards merged = one run; env shard = --shard 2/3; all valid against $(basename "$xsd")"
