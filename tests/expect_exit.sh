#!/bin/sh
# expect_exit.sh CODE TEXT COMMAND...
# Runs COMMAND; passes when it exits with CODE and its output (stdout and
# stderr) contains TEXT. Used to show that expectations can fail and bad
# input is refused with a located message.
code=$1; text=$2; shift 2
out=$("$@" 2>&1)
rc=$?
if [ "$rc" -ne "$code" ]; then
    echo "expected exit $code, got $rc from: $*"; echo "$out"; exit 1
fi
case "$out" in
    *"$text"*) echo "$out" | grep -F -- "$text" | head -3; exit 0 ;;
    *) echo "exit $rc as expected, but the output lacks: $text"; echo "$out"; exit 1 ;;
esac
