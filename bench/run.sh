#!/bin/sh
# bench/run.sh [--reps N] [--quick] [--against OLD_LINKRIG] [--only CASES] [LINKRIG]
# Prints every figure of the performance table on this machine (medians of
# interleaved runs; CPU and wall time, peak memory): the 24-hour soak, the
# idle camera's virtual seconds per second, linkrig / ns-3 when ns-3 is
# installed ($LINKRIG_NS3_DIR), the scenario library's wall time, worlds
# of 1, 10 and 100 cameras, and idle runs of 1 h, 24 h and 7 days.
# Details and the cases: bench/run.py --help. A benchmark, never a test.
#   sh bench/run.sh                                  # this build
#   sh bench/run.sh --against /tmp/main/linkrig      # before and after, interleaved
exec python3 "$(dirname "$0")/run.py" "$@"
