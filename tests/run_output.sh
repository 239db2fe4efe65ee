#!/bin/sh
# run_output.sh LINKRIG SOURCE_DIR WORKDIR
# What `linkrig run` tells a new user (the defects of a first-user trial):
#   per_device   several devices: the summary, result.jsonl, JUnit, the
#                report and the timeline give each device's own figures
#   junit_path   --junit to a path that cannot be written is exit 2 before
#                any run, and the check leaves no file behind
#   ap_mode_key  the decryption hint gives a device's own AP-mode network
#   mic_flood    a wrong passphrase's MIC failures: one warning, then a count
#   quiet        --quiet: nothing on a pass, only what failed on a failure
#   firmware     a scenario naming an image that is missing refuses to run
#                (exit 2, file:line:col) instead of running the camera
# (A fault past the end of the run is tests/bad_scenarios/: *_end.yaml.)
set -u
linkrig=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
fail=0
bad() { echo "FAIL ($case): $*"; fail=1; }
has() { grep -qF -- "$2" "$1" || bad "$1 lacks '$2'"; }
lacks() { ! grep -qF -- "$2" "$1" || bad "$1 has '$2'"; }
scn=$src/scenarios

case=per_device
"$linkrig" run --out "$work/pd" --junit "$work/pd.xml" "$scn/two_cameras_ap_reboot.yaml" \
    "$scn/three_cameras_two_leases.yaml" >"$work/pd.out" 2>"$work/pd.err" || bad "the runs failed: $(cat "$work/pd.err")"
for d in cam1 cam2; do has "$work/pd.out" "  $d: time to first link: 0.5"; done
has "$work/pd.out" "  cam3: time to first link: never"
# each camera's own sink figures, as its own bytes_delivered_min line
# counts them (cam2 uploads half as often as cam1, so they differ)
sink_of() { # the "N uploads" its device-named expectation line gives
    grep "bytes_delivered_min: .*device: $1 " "$work/pd.out" | head -n 1 |
        sed -n 's/.* received \([0-9]*\) bytes in \([0-9]*\) uploads.*/\2 uploads, \1 bytes/p'
}
u1=$(sink_of cam1); u2=$(sink_of cam2)
[ -n "$u1" ] && [ -n "$u2" ] && [ "$u1" != "$u2" ] || bad "no distinct per-camera sink figures in the expectations ('$u1', '$u2')"
has "$work/pd.out" "    sink: $u1"
has "$work/pd.out" "    sink: $u2"
has "$work/pd.out" "    sink: 0 uploads, 0 bytes over 0 connection(s); it never received data"
r=$work/pd/two_cameras_ap_reboot/result.jsonl
[ "$(grep -c '"kind":"device"' "$r")" -eq 2 ] || bad "result.jsonl: not one device line per camera"
has "$r" '{"kind":"device","dev":"cam2",'
grep '"dev":"cam2"' "$r" | grep -q "\"uploads\":${u2%% *}," || bad "result.jsonl: cam2's line is not cam2's figures (${u2%% *} uploads)"
has "$work/pd.xml" '<property name="summary.cam1" value="first link'
has "$work/pd.xml" '<property name="summary.cam3" value="first link never'
"$linkrig" timeline "$work/pd/two_cameras_ap_reboot" >"$work/pd.tl" 2>&1 || bad "timeline failed"
has "$work/pd.tl" "; cam2 drops 1, availability"
"$linkrig" report "$work/pd" >/dev/null 2>&1 || bad "report failed"
has "$work/pd/two_cameras_ap_reboot/report.html" "<tr><th>outages: cam2</th>"
has "$work/pd/index.html" "(lowest of 3 devices: cam3)"
# one device: the summary is as it always was
"$linkrig" run --out "$work/pd1" "$scn/ap_reboot.yaml" >"$work/pd1.out" 2>&1
has "$work/pd1.out" "  time to first link: 0.5"
lacks "$work/pd1.out" "  cam: time to first link"

case=junit_path
# a folder that cannot be made (under a file): exit 2 before any run
: >"$work/afile"
"$linkrig" run --out "$work/jp" --junit "$work/afile/j.xml" "$scn/ap_reboot.yaml" >"$work/jp.out" 2>&1
st=$?
[ $st -eq 2 ] || bad "a folder that cannot be made: exit $st, expected 2"
has "$work/jp.out" "--junit $work/afile/j.xml: cannot write there: Not a directory"
has "$work/jp.out" "; nothing was run"
[ -e "$work/jp/ap_reboot" ] && bad "the scenario ran before the JUnit path was refused"
"$linkrig" run --out "$work/jp" --junit "$work" "$scn/ap_reboot.yaml" >"$work/jp2.out" 2>&1
st=$?
[ $st -eq 2 ] || bad "a folder as the file: exit $st, expected 2"
has "$work/jp2.out" "is a folder, not a file"
[ -e "$work/jp/ap_reboot" ] && bad "the scenario ran before the JUnit path was refused"
# a bad scenario with a good path: exit 2, and neither file nor folder made
"$linkrig" run --out "$work/jp" --junit "$work/new/jp.xml" "$src/tests/bad_scenarios/fault_at_end.yaml" >/dev/null 2>&1
[ -e "$work/new" ] && bad "a refused scenario left $work/new behind"
# a folder not there yet is made, as --out's is (README: --junit out/junit.xml)
"$linkrig" run --quiet --out "$work/jp" --junit "$work/new/sub/jp.xml" "$scn/ap_reboot.yaml" >/dev/null 2>&1 ||
    bad "--junit in a new folder: the run failed"
has "$work/new/sub/jp.xml" '<testsuite name="ap_reboot"'
"$linkrig" sweep -n 1 --out "$work/jp" --junit "$work/afile/j.xml" "$src/tests/sweep/ap_reboot_sweep.yaml" \
    >"$work/jp3.out" 2>&1
st=$?
[ $st -eq 2 ] || bad "sweep, a folder that cannot be made: exit $st, expected 2"
# a forgotten file name (--junit *.yaml): the first scenario is not overwritten
cp "$scn/ap_reboot.yaml" "$work/s1.yaml"; cp "$scn/ap_reboot.yaml" "$work/s2.yaml"
"$linkrig" run --quiet --out "$work/jp" --junit "$work/s1.yaml" "$work/s2.yaml" >"$work/jp4.out" 2>&1
st=$?
[ $st -eq 2 ] || bad "--junit over a scenario: exit $st, expected 2"
cmp -s "$scn/ap_reboot.yaml" "$work/s1.yaml" || bad "--junit overwrote the scenario file"
has "$work/jp4.out" "the file exists and is not XML"
# junit-merge: the output among the inputs, or an input twice, is refused
"$linkrig" junit-merge "$work/new/sub/jp.xml" "$work/new/sub/jp.xml" >"$work/jm.out" 2>&1
[ $? -eq 2 ] || bad "junit-merge with the output as an input: not exit 2"
has "$work/jm.out" "is also an input"
"$linkrig" junit-merge "$work/m.xml" "$work/new/sub/jp.xml" "$work/new/sub/jp.xml" >"$work/jm2.out" 2>&1
[ $? -eq 2 ] || bad "junit-merge with an input twice: not exit 2"
has "$work/jm2.out" "are the same input file"
"$linkrig" junit-merge "$work/s2.yaml" "$work/new/sub/jp.xml" >"$work/jm3.out" 2>&1
[ $? -eq 2 ] || bad "junit-merge over a scenario: not exit 2"
cmp -s "$scn/ap_reboot.yaml" "$work/s2.yaml" || bad "junit-merge overwrote the scenario file"

case=ap_mode_key
"$linkrig" run --out "$work/am" "$scn/ap_mode/ap_mode_setup.yaml" >"$work/am.out" 2>&1 || bad "the run failed"
has "$work/am.out" "'uat:80211_keys:\"wpa-pwd\",\"correct horse battery:camnet\"'"
has "$work/am.out" "'uat:80211_keys:\"wpa-pwd\",\"setup passphrase:cam-setup\"'"

case=mic_flood
"$linkrig" run --out "$work/mf" "$scn/wrong_password_timeout.yaml" >"$work/mf.out" 2>"$work/mf.err" ||
    bad "the run failed"
n=$(grep -c 4way_mic_failure "$work/mf/wrong_password_timeout/trace.jsonl")
[ "$n" -ge 10 ] || bad "the trace has $n MIC failures (expected every one, >= 10)"
[ "$(grep -c 4way_mic_failure "$work/mf.err")" -eq 2 ] || bad "stderr: not one warning and one count: $(head -5 "$work/mf.err")"
has "$work/mf.err" "W ($((n - 1)) more like this: ap1      4way_mic_failure sta=02:00:00:00:00:01 msg=2; each is in the trace)"
"$linkrig" run --verbose --out "$work/mf" "$scn/wrong_password_timeout.yaml" >/dev/null 2>"$work/mf2.err"
[ "$(grep -c 4way_mic_failure "$work/mf2.err")" -eq "$n" ] || bad "--verbose does not print every one"

case=quiet
"$linkrig" run --quiet --out "$work/q" "$scn/ap_reboot.yaml" "$scn/cable_pull.yaml" >"$work/q.out" 2>"$work/q.err"
st=$?
[ $st -eq 0 ] || bad "exit $st on a pass"
[ -s "$work/q.out" ] && bad "stdout on a pass: $(head -3 "$work/q.out")"
[ -s "$work/q.err" ] && bad "stderr on a pass: $(head -3 "$work/q.err")"
"$linkrig" run --quiet --set lm.backoff_ms=0,0,0 --out "$work/q" "$scn/ap_reboot.yaml" >"$work/q2.out" 2>"$work/q2.err"
st=$?
[ $st -eq 1 ] || bad "exit $st on a failure, expected 1"
has "$work/q2.out" "ap_reboot: FAIL (seed 1, 4m00.000s virtual)"
has "$work/q2.out" "  [FAIL] reconnect_spacing"
for x in "[ok]" "captures:" "decrypt:" "time to first link" "scenario(s) passed"; do lacks "$work/q2.out" "$x"; done
[ -s "$work/q2.err" ] && bad "stderr on a failure: $(head -3 "$work/q2.err")"

case=firmware
sed 's|^world:|world:\n  device:\n    firmware: not-built-yet.so|' "$scn/ap_reboot.yaml" >"$work/fw.yaml"
"$linkrig" run --out "$work/fw" "$work/fw.yaml" >"$work/fw.out" 2>&1
st=$?
[ $st -eq 2 ] || bad "a missing image: exit $st, expected 2"
has "$work/fw.out" "$work/fw.yaml:10:15: world.device.firmware: cannot read the image $work/not-built-yet.so"
[ -e "$work/fw/ap_reboot" ] && bad "it ran anyway"
"$linkrig" run --quiet --firmware "$(dirname "$linkrig")/camera.so" --out "$work/fw" "$work/fw.yaml" >"$work/fw2.out" 2>&1 ||
    bad "--firmware did not stand in for the missing image: $(cat "$work/fw2.out")"
# the Pico W scenarios name their programs: without them they never run the camera
if [ ! -e "$src/build-picow/picow_scan.so" ]; then
    "$linkrig" run --out "$work/fw" "$scn/pico_w/scan_ap_off.yaml" >"$work/fw3.out" 2>&1
    st=$?
    [ $st -eq 2 ] || bad "scenarios/pico_w/scan_ap_off.yaml without its program: exit $st, expected 2"
    has "$work/fw3.out" "build-picow/picow_scan.so this scenario is for"
fi

[ $fail -eq 0 ] && echo "ok: per-device figures, --junit checked first, AP-mode key, MIC warnings counted, --quiet, missing firmware refused"
exit $fail
