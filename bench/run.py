#!/usr/bin/env python3
"""Every figure of the performance table (issue 17) on this machine.

A benchmark, never part of the tests. Each figure is the median of --reps
runs; the runs of every case (and of every binary, with --against) are
interleaved, so a machine that other work slows down slows all of them
alike. CPU time is user + system of the run's process tree (what the
figures are judged on when the machine is shared); wall time is printed
beside it. Peak memory is the peak RSS of the process tree.

Figures:
  soak         the 24-hour soak (scenarios/soak_24h.yaml): CPU and wall
  idle         an idle connected camera (no uploads) for 24 h: virtual s per
               CPU s and per wall s
  ns-3         linkrig / ns-3 CPU, 1 h of uploads and 24 h idle, both
               capturing: an ns-3 program of the same workload (not part
               of this repository: $LINKRIG_NS3_DIR names a folder whose
               build.sh, run in an empty folder, builds ./camlink, taking
               --hours=H --pcap=1 --idle=0|1 --std=g --realBytes=1), when
               Debian's libns3-dev is installed; skipped otherwise)
  library      the scenario library (scenarios/*.yaml and its subfolders,
               as ctest runs them; pico_w only when built), two at a time: wall,
               and the scenarios that failed (named, not fatal: an older
               binary may fail a scenario whose seed a later change picked)
  world N      N cameras (1, 10, 100) on 4 APs of one SSID, 20 KB/s each,
               1 h: CPU, wall, peak RSS; CPU per device-hour (the curve),
               and what it is made of: simulated events per device-hour and
               CPU per event (LINKRIG_WORLD_STATS=1 makes a run report its
               events and air frames on stderr); peak memory per extra
               device; virtual s per wall s at 100
  duration     the idle camera for 1 h, 24 h and 7 days: CPU per virtual
               hour and peak RSS (growth with simulated time)

usage: bench/run.sh [--reps 3] [--quick] [--against OLD_LINKRIG] [LINKRIG]
  LINKRIG defaults to build/linkrig. --against runs every case with a
  second binary too (e.g. one built from main) and prints both columns.
  --quick: one rep, and the 100-device world and the 7-day run left out.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import re
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS3_DIR = os.environ.get("LINKRIG_NS3_DIR", "")

PASS = "correct horse battery"


def scenario_one(name, duration, idle, capture="", distance=10):
    """One AP, one camera `distance` m away: the ns-3 counterpart's layout."""
    fw = "  frame_period: 1s\n  frame_bytes: 20480\n"
    if idle:
        # No upload within the run: the camera connects and then only its
        # link manager and the beacons run.
        fw = "  frame_period: 30d\n"
    return (f"name: {name}\nseed: 1\nduration: {duration}\n{capture}"
            "world:\n  aps:\n    - name: ap1\n      ssid: camnet\n"
            f"      passphrase: \"{PASS}\"\n      channel: 6\n      position: [{distance}, 0]\n"
            f"firmware:\n{fw}expect:\n  - link_up_within: 15s\n")


def scenario_world(n, duration="1h"):
    """n cameras on 4 APs of one SSID (channels 1, 6, 11, 1), 20 KB/s each."""
    aps = [("ap1", 1, 0, 0), ("ap2", 6, 40, 0), ("ap3", 11, 0, 40), ("ap4", 1, 40, 40)]
    s = (f"name: world_{n}\nseed: 1\nduration: {duration}\n"
         "capture:\n  snaplen: 128\n  ring_mb: 64\n  ring_files: 2\n"
         "world:\n  aps:\n")
    for k, (name, ch, x, y) in enumerate(aps):
        # Each AP's DHCP server hands out its own part of the one subnet.
        lo = 15 + 50 * k
        s += (f"    - name: {name}\n      ssid: camnet\n      passphrase: \"{PASS}\"\n"
              f"      channel: {ch}\n      position: [{x}, {y}]\n      max_stations: 64\n"
              f"      dhcp: {{pool: [10.0.2.{lo}, 10.0.2.{lo + 49}]}}\n")
    s += "  devices:\n"
    for i in range(n):
        # A 10 x 10 grid, 4 m apart, between the APs.
        s += f"    - {{name: cam{i + 1}, position: [{2 + 4 * (i % 10)}, {2 + 4 * (i // 10)}]}}\n"
    s += ("firmware:\n  frame_period: 1s\n  frame_bytes: 20480\nexpect:\n  - link_up_within: 60s\n"
          # every camera uploads all along (the world is judged, not just run)
          "  - delivery_gap_max: 30s\n")
    return s


def library_files():
    """The scenarios ctest runs: scenarios/*.yaml (the soak has its own
    figure) and its subfolders; a pico_w scenario only when the image it
    names (`firmware:`, relative to the file) is built. -> (files, skipped)"""
    files, skipped = [], 0
    top = os.path.join(ROOT, "scenarios")
    for d in [top] + sorted(os.path.join(top, s) for s in os.listdir(top)
                            if os.path.isdir(os.path.join(top, s))):
        for f in sorted(os.listdir(d)):
            path = os.path.join(d, f)
            if not f.endswith(".yaml") or f == "soak_24h.yaml":
                continue
            image = None
            with open(path) as fh:
                for line in fh:
                    m = re.match(r"\s+firmware:\s*(\S+\.so)\s*$", line)
                    if m:
                        image = os.path.normpath(os.path.join(d, m.group(1)))
            if image is not None and not os.path.exists(image):
                skipped += 1
                continue
            files.append(path)
    return files, skipped


def parse_hours(d):
    """'1h', '10m', '90s', '2d' -> hours (the units the worlds are given in)."""
    unit = {"s": 1 / 3600, "m": 1 / 60, "h": 1, "d": 24}[d[-1]]
    return float(d[:-1]) * unit


WORLD_STATS = re.compile(r"world stats: events (\d+) air_tx (\d+) deliveries (\d+) retries (\d+) acks (\d+)")


LIB_FAILED = re.compile(r"^bench-failed: (.*)$", re.M)


def measure(cmd, cwd=None, ok_failed=False, stats=None, failed=None):
    """Runs cmd; returns (cpu s, wall s, peak RSS KiB) of its process tree.
    With a dict `stats`, the run reports its work (LINKRIG_WORLD_STATS=1,
    a binary that knows it): events fired and air frames go into it. With a
    set `failed`, the scenarios the command reported as failed
    ("bench-failed: FILE" on stderr) go into it instead of ending the
    bench."""
    t0 = time.monotonic()
    env = None
    if stats is not None:
        env = dict(os.environ, LINKRIG_WORLD_STATS="1")
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    # 1: the run went to its end and an expectation failed (a crowded world
    # can miss link_up_within): its cost is still the cost of the run.
    if code != 0 and not (code == 1 and ok_failed):
        sys.exit(f"bench: {' '.join(cmd)} exited {code}: {err[-2000:]}")
    if failed is not None:
        failed.update(LIB_FAILED.findall(err))
    if stats is not None:
        m = WORLD_STATS.search(err)
        if m:
            stats.update(zip(("events", "air_tx", "deliveries", "retries", "acks"), map(int, m.groups())))
    return ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss


def median_of(samples):
    return tuple(statistics.median(x) for x in zip(*samples))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("linkrig", nargs="?", default=os.path.join(ROOT, "build", "linkrig"))
    ap.add_argument("--against", help="a second linkrig binary, measured interleaved (e.g. main's)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", help="comma-separated cases: soak,idle,ns3,library,world,duration")
    ap.add_argument("--world-duration", default="1h",
                    help="virtual time of the 1/10/100-camera worlds (default 1h; per-hour figures scale)")
    a = ap.parse_args()
    reps = 1 if a.quick else a.reps
    bins = [("new", os.path.abspath(a.linkrig))]
    if a.against:
        bins.append(("old", os.path.abspath(a.against)))
    only = set(a.only.split(",")) if a.only else None
    want = lambda c: only is None or c in only  # noqa: E731

    work = tempfile.mkdtemp(prefix="linkrig-bench-")
    scn = os.path.join(work, "scn")
    os.makedirs(scn)

    def write(name, text):
        path = os.path.join(scn, name + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    cases = []  # (key, kind, path or cmd)
    if want("soak"):
        cases.append(("soak", "lr", os.path.join(ROOT, "scenarios", "soak_24h.yaml")))
    if want("idle") or want("ns3") or want("duration"):
        cases.append(("idle_24h", "lr", write("idle_24h", scenario_one("idle_24h", "24h", True))))
    if want("ns3"):
        cases.append(("upload_1h", "lr", write("upload_1h", scenario_one("upload_1h", "1h", False))))
    if want("world"):
        for n in ([1, 10] if a.quick else [1, 10, 100]):
            cases.append((f"world_{n}", "lr", write(f"world_{n}", scenario_world(n, a.world_duration))))
    if want("duration"):
        cases.append(("idle_1h", "lr", write("idle_1h", scenario_one("idle_1h", "1h", True))))
        if not a.quick:
            cases.append(("idle_7d", "lr", write("idle_7d", scenario_one("idle_7d", "7d", True))))
    if want("library"):
        files, skipped = library_files()
        if skipped:
            print("library: %d scenario(s) of scenarios/pico_w left out: their images are not built "
                  "(examples/pico_w/README.md)" % skipped)
        cases.append(("library", "lib", files))

    ns3 = None
    if want("ns3"):
        ns3_src = os.path.join(NS3_DIR, "build.sh") if NS3_DIR else ""
        if ns3_src and os.path.exists(ns3_src) and any(d.startswith("ns3") for d in os.listdir("/usr/include")):
            nsb = os.path.join(work, "ns3")
            os.makedirs(nsb)
            r = subprocess.run(["sh", ns3_src], cwd=nsb, capture_output=True, text=True)
            if r.returncode == 0:
                ns3 = os.path.join(nsb, "camlink")
            else:
                print(f"ns-3: build failed, ratios skipped: {r.stderr[-500:]}")
        else:
            print("ns-3: not installed (apt-get install libns3-dev ns3) or no ns-3 program at %s (set LINKRIG_NS3_DIR): ratios skipped" % (NS3_DIR or "(LINKRIG_NS3_DIR not set)"))
        if ns3:
            cases.append(("ns3_upload_1h", "ns3", ["--hours=1", "--pcap=1", "--idle=0", "--std=g", "--realBytes=1"]))
            cases.append(("ns3_idle_24h", "ns3", ["--hours=24", "--pcap=1", "--idle=1", "--std=g", "--realBytes=1"]))

    results = {}  # (bin, key) -> list of (cpu, wall, rss)
    work_of = {}  # (bin, key) -> the run's work (the same every rep: runs are deterministic)
    lib_failed = {}  # bin -> library scenarios that failed
    for rep in range(reps):
        for key, kind, what in cases:
            for bname, b in (bins if kind != "ns3" else [("ns3", None)]):
                out = os.path.join(work, "out", bname)
                if kind == "lr":
                    cmd = [b, "run", "--quiet", "--out", out, what]
                    st = {} if key.startswith("world_") else None
                    m = measure(cmd, ok_failed=key.startswith("world_"), stats=st)
                    if st:
                        work_of[(bname, key)] = st
                elif kind == "ns3":
                    d = os.path.join(work, "ns3run")
                    os.makedirs(d, exist_ok=True)
                    m = measure([ns3] + what, cwd=d)
                else:
                    # Two at a time, as ctest -j2 runs them. A scenario that
                    # fails its expectations (exit 1) is named and counted,
                    # not the end of the bench: an older binary (--against)
                    # may fail one whose seed was picked for a later change
                    # of the draws. Anything else (a crash, bad input, no
                    # binary) ends the bench with its message: exit 255
                    # stops xargs.
                    cmd = ["sh", "-c",
                           'b=$1; o=$2; shift 2; printf "%s\\n" "$@" | xargs -P 2 -I{} sh -c '
                           '\'"$0" run --quiet --out "$1" "$2" >/dev/null; rc=$?; '
                           '[ $rc -eq 1 ] && echo "bench-failed: $2" >&2; '
                           '[ $rc -le 1 ] || { echo "bench: $2 exited $rc" >&2; exit 255; }\' '
                           '"$b" "$o" {}',
                           "sh", b, out] + what
                    m = measure(cmd, failed=lib_failed.setdefault(bname, set()))
                results.setdefault((bname, key), []).append(m)
                # Each sample as it comes, so a long run cut short still tells.
                print(f"  sample {bname} {key}: cpu {m[0]:.3f} s, wall {m[1]:.3f} s, rss {m[2]} KiB",
                      file=sys.stderr, flush=True)
                shutil.rmtree(out, ignore_errors=True)
            print(f"  rep {rep + 1}/{reps} {key} done", file=sys.stderr, flush=True)

    med = {k: median_of(v) for k, v in results.items()}
    cols = [bn for bn, _ in bins]

    def row(label, fn, fmt="{:.3g}"):
        vals = []
        for bn in cols:
            try:
                vals.append(fmt.format(fn(bn)))
            except KeyError:
                vals.append("-")
        print(f"| {label} | " + " | ".join(vals) + " |")

    print(f"\nlinkrig benchmark: medians of {reps} interleaved run(s); CPU = user + sys of the process tree")
    print("| figure | " + " | ".join(f"{bn} ({path})" for bn, path in bins) + " |")
    print("|---|" + "---|" * len(cols))
    g = lambda bn, k, i: med[(bn, k)][i]  # noqa: E731
    if want("soak"):
        row("24-hour soak: CPU s", lambda bn: g(bn, "soak", 0), "{:.2f}")
        row("24-hour soak: wall s", lambda bn: g(bn, "soak", 1), "{:.2f}")
        row("24-hour soak: peak RSS MB", lambda bn: g(bn, "soak", 2) / 1024, "{:.1f}")
    if want("idle") or want("ns3") or want("duration"):
        row("idle camera 24 h: CPU s", lambda bn: g(bn, "idle_24h", 0), "{:.3f}")
        row("idle camera: virtual s per CPU s", lambda bn: 86400 / g(bn, "idle_24h", 0), "{:,.0f}")
        row("idle camera: virtual s per wall s", lambda bn: 86400 / g(bn, "idle_24h", 1), "{:,.0f}")
    if ns3:
        row("1 h uploads: linkrig CPU s", lambda bn: g(bn, "upload_1h", 0), "{:.3f}")
        row("1 h uploads: ns-3 CPU s", lambda bn: g("ns3", "ns3_upload_1h", 0), "{:.2f}")
        row("linkrig / ns-3 CPU, 1 h uploads, both capturing",
            lambda bn: g(bn, "upload_1h", 0) / g("ns3", "ns3_upload_1h", 0), "{:.4f}")
        row("24 h idle: ns-3 CPU s", lambda bn: g("ns3", "ns3_idle_24h", 0), "{:.2f}")
        row("linkrig / ns-3 CPU, 24 h idle, both capturing",
            lambda bn: g(bn, "idle_24h", 0) / g("ns3", "ns3_idle_24h", 0), "{:.4f}")
    if want("library"):
        row("scenario library (%d files, 2 at a time): wall s" % len(
            [c for c in cases if c[0] == "library"][0][2]), lambda bn: g(bn, "library", 1), "{:.2f}")
        row("scenario library: CPU s", lambda bn: g(bn, "library", 0), "{:.2f}")
        row("scenario library: scenarios that failed", lambda bn: len(lib_failed[bn]), "{}")
        for bn in cols:
            for f in sorted(lib_failed.get(bn, ())):
                print(f"  ({bn}: {os.path.relpath(f, ROOT)} failed; its time still counts)", file=sys.stderr)
    if want("world"):
        wh = parse_hours(a.world_duration)
        ns = [1, 10] if a.quick else [1, 10, 100]
        for n in ns:
            row(f"world of {n} camera(s), {a.world_duration}: CPU s / wall s / peak RSS MB",
                lambda bn: "{:.2f} / {:.2f} / {:.0f}".format(g(bn, f"world_{n}", 0), g(bn, f"world_{n}", 1),
                                                          g(bn, f"world_{n}", 2) / 1024), "{}")
        for n in ns:
            row(f"CPU ms per device-hour at {n}", lambda bn: 1000 * g(bn, f"world_{n}", 0) / n / wh, "{:.0f}")
        # What the per-device cost is made of: a crowded world has more to
        # model per device (contention, retries, TCP recovery), so events
        # per device-hour rise; the engine scales if the cost per event
        # stays flat. "-" for a binary that does not report its work.
        for n in ns:
            row(f"events per device-hour at {n} (air frames)",
                lambda bn: "{:,.0f} ({:,.0f})".format(work_of[(bn, f"world_{n}")]["events"] / n / wh,
                                                      work_of[(bn, f"world_{n}")]["air_tx"] / n / wh), "{}")
        for n in ns:
            row(f"CPU ns per event at {n}",
                lambda bn: 1e9 * g(bn, f"world_{n}", 0) / work_of[(bn, f"world_{n}")]["events"], "{:.0f}")
        big = ns[-1]
        row(f"peak memory per extra device (1 -> {big}) MB",
            lambda bn: (g(bn, f"world_{big}", 2) - g(bn, "world_1", 2)) / 1024 / (big - 1), "{:.2f}")
        row(f"world of {big}: virtual s per wall s", lambda bn: 3600 * wh / g(bn, f"world_{big}", 1), "{:.1f}")
        row(f"world of {big}: virtual s per CPU s", lambda bn: 3600 * wh / g(bn, f"world_{big}", 0), "{:.1f}")
    if want("duration"):
        for key, hours in [("idle_1h", 1), ("idle_24h", 24), ("idle_7d", 168)]:
            if any(c[0] == key for c in cases):
                row(f"idle {key[5:]}: CPU ms per virtual hour / peak RSS MB",
                    lambda bn: "{:.1f} / {:.1f}".format(1000 * g(bn, key, 0) / hours, g(bn, key, 2) / 1024), "{}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
