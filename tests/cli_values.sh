#!/bin/sh
# cli_values.sh LINKRIG SCENARIO WORKDIR
# Odd values on the command line and odd scenario paths (issue 18): each is
# refused with exit 2 and a message saying which range or kind was wrong,
# never run, never a hang (a FIFO with no writer), never a crash (the
# sanitizer build, with float-cast-overflow, runs this too).
linkrig=$1; scn=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
fail=0; n=0
# expect TEXT ARGS...: exit 2 and TEXT in the output, within 60 s.
expect() {
    text=$1; shift
    n=$((n + 1))
    out=$(timeout 60 "$linkrig" "$@" 2>&1)
    rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAIL ($rc, expected 2): linkrig $*"; echo "$out" | head -5; fail=1; return
    fi
    case "$out" in
        *"$text"*) echo "ok   $(echo "linkrig $*" | cut -c1-90) -> $(echo "$out" | head -1 | cut -c1-150)" ;;
        *) echo "FAIL: linkrig $*: the output lacks '$text':"; echo "$out" | head -5; fail=1 ;;
    esac
}
# --realtime=1e-300 used to overflow a float-to-integer conversion and hang.
expect "--realtime=R: 1e-300 is out of range (0.001..1000000" run --realtime=1e-300 --out "$work/o" "$scn"
expect "--realtime=R: 'nan' is not a number" run --realtime=nan --out "$work/o" "$scn"
expect "--realtime=R: inf is out of range" demo --realtime=inf --out "$work/o"
expect "--realtime=R: 1e9 is out of range" live --realtime=1e9 --out "$work/o" "$scn"
# Integers too large for their type are out of range, not "not a number".
expect "--seed: 99999999999999999999 is out of range (0..18446744073709551615)" run --seed 99999999999999999999 --out "$work/o" "$scn"
expect "--seed: 99999999999999999999 is out of range" demo --seed 99999999999999999999 --out "$work/o"
expect "--snaplen: 12345678901234567890123 is out of range (0..262144)" run --snaplen 12345678901234567890123 --out "$work/o" "$scn"
expect "--shard: '1/99999999999999999999' is not K/N with 1 <= K <= N <= 100000" run --shard 1/99999999999999999999 --out "$work/o" "$scn"
# Durations past int64 nanoseconds (sim_time_parse overflowed on this one)
# and past the formats' year.
expect "--duration: 9223372036.9 is out of range (at most 365d)" demo --duration 9223372036.9 --out "$work/o"
expect "--duration: 366d is out of range (at most 365d)" demo --duration 366d --out "$work/o"
expect "--watchdog: 99999999999999999999s is out of range (0..24h)" run --watchdog 99999999999999999999s --out "$work/o" "$scn"
expect "--sample: 9223372037s is out of range (at most 365d)" run --sample 9223372037s --out "$work/o" "$scn"
# An --out path the outputs' paths would not fit was silently truncated.
long=$work/$(printf '%0200d' 0)/$(printf '%0200d' 1)/$(printf '%0200d' 2)/$(printf '%0200d' 3)/$(printf '%0200d' 4)
expect "--out: the path is" run --out "$long" "$scn"
expect "--out: a folder name in the path is 300 characters long" run --out "$work/$(printf '%0300d' 0)" "$scn"
[ -e "$work/$(printf '%0200d' 0)" ] && { echo "FAIL: a folder was made under the refused --out"; fail=1; }
# Scenario paths that are not regular files.
expect "$work: is a directory, not a scenario file" run --out "$work/o" "$work"
mkfifo "$work/fifo.yaml" || { echo "FAIL: mkfifo"; fail=1; }
expect "$work/fifo.yaml: is a FIFO (named pipe), not a scenario file" run --out "$work/o" "$work/fifo.yaml"
[ -e "$work/o" ] && { echo "FAIL: an output folder was made for refused input"; fail=1; }
# A misspelt CCMP switch silently meant the default.
LINKRIG_CCM=bogus expect "LINKRIG_CCM='bogus': the only value is 'portable'" run --out "$work/o" "$scn"
LINKRIG_CCM_MEMO=off expect "LINKRIG_CCM_MEMO='off': 0 (off) or 1" run --out "$work/o" "$scn"
[ -e "$work/o" ] && { echo "FAIL: an output folder was made for refused input"; fail=1; }
echo "$n refused inputs checked"
exit $fail
