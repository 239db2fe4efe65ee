#!/bin/sh
# write_errors.sh LINKRIG SCENARIO OUT_DIR
# A failed write is a failed run: with the outputs cut by a file size limit
# (ulimit -f, as a full disk cuts them, with no privileges needed), with the
# trace on /dev/full (ENOSPC at once), with the JUnit file on /dev/full, and
# with the summary on /dev/full, `linkrig run` exits 4 with a message naming
# the file and the system's reason, and never prints PASS for the scenario
# whose evidence is missing. An --out path too long to hold is exit 2.
set -u
linkrig=$1; scenario=$2; out=$3
rm -rf "$out"; mkdir -p "$out"
fail=0
bad() { echo "FAIL ($case): $*"; fail=1; }
name=$(basename "$scenario" .yaml)

case=file_size_limit
# 256 KiB per file: the captures of the scenario are larger (linkrig ignores
# SIGXFSZ, so the limit gives EFBIG as a full disk gives ENOSPC)
( ulimit -f 256; exec "$linkrig" run --out "$out/$case" "$scenario" >"$out/$case.out" 2>"$out/$case.err" )
st=$?
[ $st -eq 4 ] || bad "exit status $st, expected 4"
grep -Eq "$out/$case/$name/(air|wire).pcap failed: File too large" "$out/$case.err" ||
    bad "no message naming the capture and EFBIG: $(cat "$out/$case.err")"
grep -q "$name: PASS" "$out/$case.out" && bad "PASS printed over truncated captures"
grep -q '"passed":true' "$out/$case/$name/result.jsonl" 2>/dev/null && bad "result.jsonl claims a pass"

case=trace_on_dev_full
mkdir -p "$out/$case/$name"
ln -s /dev/full "$out/$case/$name/trace.jsonl"
"$linkrig" run --out "$out/$case" "$scenario" >"$out/$case.out" 2>"$out/$case.err"
st=$?
[ $st -eq 4 ] || bad "exit status $st, expected 4"
grep -q "trace $out/$case/$name/trace.jsonl failed: No space left on device" "$out/$case.err" ||
    bad "no message naming the trace and ENOSPC: $(cat "$out/$case.err")"
grep -q "$name: PASS" "$out/$case.out" && bad "PASS printed over a lost trace"

case=junit_on_dev_full
"$linkrig" run --quiet --junit /dev/full --out "$out/$case" "$scenario" >"$out/$case.out" 2>"$out/$case.err"
st=$?
[ $st -eq 4 ] || bad "exit status $st, expected 4"
grep -q "writing /dev/full failed: No space left on device" "$out/$case.err" ||
    bad "no message naming the JUnit file: $(cat "$out/$case.err")"

case=summary_on_dev_full
"$linkrig" run --out "$out/$case" "$scenario" >/dev/full 2>"$out/$case.err"
st=$?
[ $st -eq 4 ] || bad "exit status $st, expected 4"
grep -q "writing the summary to standard output failed: No space left on device" "$out/$case.err" ||
    bad "no message about the summary: $(cat "$out/$case.err")"

case=out_path_too_long
# an --out path the rig cannot hold whole is refused, never cut short
long=$(printf "$out/%0200d/%0200d/%0200d/%0200d/%0200d/%0200d" 0 0 0 0 0 0)
"$linkrig" run --quiet --out "$long" "$scenario" >"$out/$case.out" 2>"$out/$case.err"
st=$?
[ $st -eq 2 ] || bad "exit status $st, expected 2"
grep -Eq "output folder path too long|--out: the path is [0-9]+ characters long" "$out/$case.err" || bad "no message: $(cat "$out/$case.err")"

[ $fail -eq 0 ] && echo "ok: a file size limit, a trace, a JUnit file and a summary on a full device each exit 4 with the file and the reason"
exit $fail
