#!/bin/sh
# memory_soak.sh LINKRIG SCENARIO OUT_DIR
# A day of hourly AP reboots, 10-minute leases, range walks and wedges
# (tests/soak/soak_1d.yaml; each kind of fault happens in the first hour),
# with the scenario process's resident memory sampled every virtual hour.
# The bounds, at the end of the day against after the first hour: the live
# heap (glibc's mallinfo2, bytes in allocated blocks) within 3%, RSS within
# 8%. Nothing the rig keeps may grow with the run's length: the verdict
# keeps the uploads in bounded memory (sim/upload_log.c), the uplink ends
# slirp's side of every connection the device closed or abandoned, the
# captures and the trace are rings. What the live heap still gains grows
# with the number of faults (the verdict's outages and joins, about 70 KB a
# day here). RSS has a looser bound because it steps up when pages are
# first touched (the allocator's high-water mark when connections overlap
# in a walk, a deeper stack) and keeps them without holding anything.
# Measured: live heap 5344 -> 5413 kB (+1.3%), RSS 12364 -> 13104 kB
# (+6.0%, two steps of about 300 KB at hours 7 and 19). Before the bounded
# upload log (24 bytes an upload in an array that doubles, about 2 MB a
# day) the live heap grew 18%; before the uplink ended slirp's side of
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
    { n++; t[n] = $1; kb[n] = $2; heap[n] = $3 }
    END {
        if (n < 24) { print "only " n " samples in mem.tsv"; exit 1 }
        if (heap[1] == "" || heap[1] <= 0) { print "no live-heap column in mem.tsv"; exit 1 }
        rss_limit = kb[1] * 1.08; heap_limit = heap[1] * 1.03
        printf "after hour 1 / at the end (%d h), %d uploads:\n", t[n] / 3600e9, uploads
        printf "  live heap %d kB / %d kB (%+.1f%%), limit %d kB (+3%%)\n",
            heap[1], heap[n], (heap[n] - heap[1]) * 100.0 / heap[1], heap_limit
        printf "  RSS       %d kB / %d kB (%+.1f%%), limit %d kB (+8%%)\n",
            kb[1], kb[n], (kb[n] - kb[1]) * 100.0 / kb[1], rss_limit
        bad = 0
        if (heap[n] > heap_limit) { print "FAIL: the live heap grows beyond the bound"; bad = 1 }
        if (kb[n] > rss_limit) { print "FAIL: RSS grows beyond the bound"; bad = 1 }
        exit bad
    }' "$mem"
