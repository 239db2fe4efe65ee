# live_lib.sh: what the live-console tests share, sourced after they set
# $linkrig and $work. live_start ARGS... starts `linkrig live ARGS...` at
# 4x real time with its stdin on a FIFO held open as fd 3 (write commands
# with `echo ... >&3`) and its output in $work/out.txt; wait_for TEXT waits
# (at most 30 s) until the output holds TEXT; fail MESSAGE stops the test;
# live_quit ends the session and checks how linkrig live stopped.
rm -rf "$work"; mkdir -p "$work"
mkfifo "$work/console"
fail() { echo "FAIL: $*"; tail -30 "$work/out.txt" 2>/dev/null; kill "$pid" 2>/dev/null; exit 1; }

live_start() {
    exec 3<>"$work/console"
    "$linkrig" live --out "$work/out" --no-hostfwd --realtime=4 "$@" <"$work/console" >"$work/out.txt" 2>&1 &
    pid=$!
}

wait_for() {
    for i in $(seq 1 150); do
        grep -qF -- "$1" "$work/out.txt" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# live_quit: `quit`, then linkrig live must stop (at most 20 s) with its
# verdict's status (0 or 1)
live_quit() {
    echo quit >&3
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && fail "linkrig live did not stop on quit"
    wait "$pid"
    rc=$?
    [ $rc -le 1 ] || fail "linkrig live exited $rc"
}
