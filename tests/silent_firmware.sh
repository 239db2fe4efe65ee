#!/bin/sh
# silent_firmware.sh [--runs-complete] LINKRIG IMAGE OUTDIR SCENARIO...
# Runs each scenario with IMAGE, a firmware that emits no trace events, logs
# or markers (the camera built with LINKRIG_IMAGE_SILENT).
#
# Default (strict): every scenario must pass (exit 0), exactly as with the
# camera that speaks: the verdict is built from what the rig observes, so a
# firmware that says nothing is judged on the same evidence. Any output
# line saying an expectation "never got one" fails too.
# --runs-complete: only checks that every run completes with exit 0 or 1.
# Both: at least one run must deliver bytes to the sink, or the silent image
# is not the working camera it stands for.
mode=strict
if [ "$1" = "--runs-complete" ]; then mode=complete; shift; fi
linkrig=$1; image=$2; out=$3; shift 3
[ $# -gt 0 ] || { echo "no scenarios given"; exit 1; }
status=0
delivered=0
for scn in "$@"; do
    log=$("$linkrig" run --firmware "$image" --out "$out" "$scn" 2>&1)
    rc=$?
    echo "== $scn: exit $rc"
    echo "$log"
    case $rc in
        0|1) ;;
        *) echo "FAIL: $scn: exit $rc (bad input or a crash)"; status=1; continue ;;
    esac
    if echo "$log" | grep -q "the run crashed"; then
        echo "FAIL: $scn: the run crashed"; status=1; continue
    fi
    if echo "$log" | grep -Eq "sink: [0-9]+ uploads, [1-9][0-9]* bytes"; then delivered=$((delivered + 1)); fi
    if [ "$mode" = strict ] && echo "$log" | grep -q "never got one"; then
        echo "FAIL: $scn: an expectation needed the firmware's own words"; status=1
    fi
    if [ "$mode" = strict ] && [ "$rc" -ne 0 ]; then
        echo "FAIL: $scn: the silent camera failed an expectation the speaking camera passes"; status=1
    fi
done
if [ "$delivered" -eq 0 ]; then
    echo "FAIL: no run delivered anything to the sink: the silent camera does not work"; status=1
fi
exit $status
