# live_lib.sh: what the live-console tests share, sourced after they set
# $linkrig and $work. live_start ARGS... starts `linkrig live ARGS...` at
# 4x real time with its stdin on a FIFO held open as fd 3 (write commands
# with `echo ... >&3`) and its output in $work/out.txt; wait_for TEXT waits
# (at most 30 s) until the output holds TEXT; fail MESSAGE stops the test.
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
