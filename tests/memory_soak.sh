#!/bin/sh
# memory_soak.sh LINKRIG SCENARIO OUT_DIR
# A day of hourly AP reboots, 10-minute leases, range walks and wedges
# (tests/soak/soak_1d.yaml; each kind of fault happens in the first hour),
# with the scenario process's resident memory sampled every virtual hour.
# The bound: RSS at the end of the day is at most 5% above RSS after the
# first hour. Nothing the rig keeps may grow with the run's length: the
# verdict keeps the uploads in bounded memory (sim/upload_log.c), the
# uplink ends slirp's side of every connection the device closed or
# abandoned, the captures and the trace are rings. What remains is what
# grows with the number of faults (the verdict's outages and joins, a few
# KB a day here) and the allocator's high-water marks. Measured: 12684 kB
# after hour 1, 13144 kB at the end (+3.6%). Before the verdict's bounded
# upload log (24 bytes an upload kept in an array that doubles, about 2 MB
# a day) this failed at +18%; before the uplink ended slirp's side of
# closed connections each kept ~260 KB (about 6 MB a day here).
set -u
linkrig=$1; scenario=$2; out=$3
rm -rf "$out"
name=$(basename "$scenario" .yaml)
"$linkrig" run --quiet --sample 0 --mem-sample 1h --out "$out" "$scenario" ||
    { echo "the soak itself failed"; exit 1; }
mem="$out/$name/mem.tsv"
uploads=$(grep -o '"uploads":[0-9]*' "$out/$name/result.jsonl" | head -n 1 | cut -d: -f2)
[ -n "$uploads" ] || { echo "no upload count in result.jsonl"; exit 1; }
awk -v uploads="$uploads" '
    { n++; t[n] = $1; kb[n] = $2 }
    END {
        if (n < 24) { print "only " n " samples in mem.tsv"; exit 1 }
        first = kb[1]; last = kb[n]
        limit = first * 1.05
        printf "RSS after hour 1: %d kB; at the end (%d h): %d kB (%+.1f%%); %d uploads; limit %d kB (+5%%)\n",
            first, t[n] / 3600e9, last, (last - first) * 100.0 / first, uploads, limit
        if (last > limit) { print "FAIL: the rig grows beyond the bound"; exit 1 }
    }' "$mem"
