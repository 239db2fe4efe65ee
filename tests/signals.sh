#!/bin/sh
# signals.sh LINKRIG SCENARIO XSD OUT_DIR TSHARK
# SIGINT (and SIGTERM, SIGHUP) sent to `linkrig run` mid-scenario — to the
# parent, to its process group, or to the scenario's own process — stop the
# run cleanly: exit status 128 + the signal, both captures read by tshark
# with no malformed packet, every trace line a whole JSON object, the
# summary and a JUnit file (valid against tests/junit.xsd) that say
# "interrupted", and no process left behind.
set -u
linkrig=$1; scenario=$2; xsd=$3; out=$4; tshark=$5
rm -rf "$out"; mkdir -p "$out"
fail=0
bad() { echo "FAIL ($case): $*"; fail=1; }

# Starts a run in its own process group (setsid) and waits until the
# scenario's process has written some of its trace, so the signal lands
# mid-run. Sets pid (the parent = the group's id) and child.
start() {
    dir="$out/$case"
    setsid "$linkrig" run --junit "$dir/junit.xml" --out "$dir" "$scenario" >"$out/$case.out" 2>"$out/$case.err" &
    pid=$!
    child=
    i=0
    while [ $i -lt 600 ]; do
        [ -z "$child" ] && child=$(pgrep -P "$pid" | head -n 1)
        if [ -n "$child" ] && [ -s "$dir/signal_long/trace.jsonl" ] &&
            [ "$(wc -c <"$dir/signal_long/trace.jsonl")" -gt 200000 ]; then
            return 0
        fi
        sleep 0.05
        i=$((i + 1))
    done
    bad "the run never got going"
    kill -KILL "$pid" 2>/dev/null
    return 1
}

check() { # expected exit status, signal name
    want=$1; sig=$2
    # a run that ignored the signal would take hours: give it 2 minutes
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
        bad "still running 2 minutes after the signal"
        /bin/kill -s KILL -- "-$pid" 2>/dev/null
    fi
    wait "$pid"
    st=$?
    [ "$st" -eq "$want" ] || bad "exit status $st, expected $want"
    [ -n "$child" ] && kill -0 "$child" 2>/dev/null && bad "the scenario's process $child is still running"
    d="$dir/signal_long"
    grep -q "signal_long: INTERRUPTED" "$out/$case.out" || bad "the summary does not say INTERRUPTED"
    grep -q "interrupted by $sig at" "$out/$case.out" || bad "the summary does not name $sig"
    grep -q "crashed" "$out/$case.out" "$out/$case.err" && bad "reported as a crash"
    grep -q '<error message="interrupted"' "$dir/junit.xml" || bad "no <error message=\"interrupted\"> in the JUnit file"
    grep -q '<skipped message="interrupted"' "$dir/junit.xml" || bad "the expectations are not <skipped message=\"interrupted\">"
    xmllint --noout --schema "$xsd" "$dir/junit.xml" 2>/dev/null || bad "junit.xml does not validate against $xsd"
    for cap in air wire; do
        "$tshark" -r "$d/$cap.pcap" >/dev/null 2>"$out/$case.$cap.tshark" || bad "tshark cannot read $cap.pcap: $(cat "$out/$case.$cap.tshark")"
        n=$("$tshark" -r "$d/$cap.pcap" -Y _ws.malformed 2>/dev/null | wc -l)
        [ "$n" -eq 0 ] || bad "$cap.pcap has $n malformed packets"
    done
    python3 - "$d/trace.jsonl" <<'PY' || bad "trace.jsonl is not whole JSON lines"
import json, sys
data = open(sys.argv[1], 'rb').read()
assert data.endswith(b'\n'), 'the trace ends mid-line'
n = 0
for n, line in enumerate(data.split(b'\n')[:-1], 1):
    json.loads(line)
last = json.loads(data.split(b'\n')[-2])
assert last['event'] == 'end' and last['passed'] is False, last
print('trace: %d lines, all JSON, ends with the scenario end event' % n)
PY
    grep -q '"passed":false' "$d/result.jsonl" || bad "result.jsonl does not say passed: false"
    [ $fail -eq 0 ] && echo "ok ($case): exit $st, captures and trace whole, summary and JUnit say interrupted"
}

case=parent_int; start && { kill -INT "$pid"; check 130 SIGINT; }
case=group_int; start && { /bin/kill -s INT -- "-$pid"; check 130 SIGINT; }
case=child_int; start && { kill -INT "$child"; check 130 SIGINT; }
case=parent_term; start && { kill -TERM "$pid"; check 143 SIGTERM; }
case=group_hup; start && { /bin/kill -s HUP -- "-$pid"; check 129 SIGHUP; }
exit $fail
