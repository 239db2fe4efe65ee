#!/usr/bin/env python3
"""What firmware images cost (a benchmark, never part of the tests).

1. The 24-hour soak with the camera loaded as an image, against the same
   soak from the last commit before images (the camera linked into the
   program), built here in a temporary worktree: CPU time (user + sys) of
   each run, interleaved, median of --reps.
2. Loading an image instance: `linkrig info` on the camera image, median
   wall time (process start included, so it is an upper bound).
3. Peak memory per extra device: peak RSS of a 10-minute run with 1 and with
   N idle-uploading cameras on one AP; the difference divided by N - 1.

usage: bench/images.py [--build build] [--reps 5] [--devices 21]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

BEFORE = "860674f"  # the last commit before firmware images
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_measured(cmd, cwd=None):
    """Runs cmd; returns (cpu seconds, peak RSS KiB of the process tree)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"images.py: {' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss


def build_before(workdir, lwip):
    tree = os.path.join(workdir, "before")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", tree, BEFORE], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    b = os.path.join(tree, "build")
    subprocess.run(["cmake", "-S", tree, "-B", b, f"-DLWIP_DIR={lwip}", "-DLINKRIG_WERROR=OFF"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", b, "-j", str(os.cpu_count()), "--target", "linkrig"], check=True,
                   stdout=subprocess.DEVNULL)
    return tree, os.path.join(b, "linkrig")


def devices_scenario(path, n):
    with open(path, "w") as f:
        f.write(f"name: devices_{n}\nduration: 10m\nworld:\n  aps:\n"
                "    - {name: ap1, ssid: camnet, passphrase: \"correct horse battery\", position: [10, 0],\n"
                "       dhcp: {pool: [10.0.2.15, 10.0.2.99]}}\n  devices:\n")
        for i in range(n):
            f.write(f"    - {{name: cam{i + 1}, position: [0, {i * 0.5}]}}\n")
        f.write("expect:\n  - link_up_within: 60s\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--devices", type=int, default=21)
    ap.add_argument("--lwip", default=os.environ.get("LWIP_DIR", os.path.join(ROOT, ".deps", "lwip")))
    a = ap.parse_args()
    linkrig = os.path.join(a.build, "linkrig")
    camera = os.path.join(a.build, "camera.so")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"building {BEFORE} (before images) for comparison ...", flush=True)
        tree, old = build_before(tmp, a.lwip)
        try:
            now_cpu, old_cpu = [], []
            for _ in range(a.reps):
                c, _ = run_measured([linkrig, "run", "--quiet", "--out", os.path.join(tmp, "now"),
                                     os.path.join(ROOT, "scenarios", "soak_24h.yaml")])
                now_cpu.append(c)
                c, _ = run_measured([old, "run", "--quiet", "--out", os.path.join(tmp, "old"),
                                     os.path.join(tree, "scenarios", "soak_24h.yaml")])
                old_cpu.append(c)
            mn, mo = statistics.median(now_cpu), statistics.median(old_cpu)
            print(f"soak_24h CPU s, median of {a.reps} interleaved: camera as an image {mn:.2f}, "
                  f"linked in ({BEFORE}) {mo:.2f}, ratio {mn / mo:.3f}")
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

        loads = []
        for _ in range(max(a.reps, 11)):
            t0 = time.perf_counter()
            subprocess.run([linkrig, "info", camera], check=True, stdout=subprocess.DEVNULL)
            loads.append(time.perf_counter() - t0)
        print(f"linkrig info camera.so (process start + load + unload): median {statistics.median(loads) * 1e3:.2f} ms")

        rss = {}
        for n in (1, a.devices):
            scn = os.path.join(tmp, f"devices_{n}.yaml")
            devices_scenario(scn, n)
            # a fresh interpreter per measurement: RUSAGE_CHILDREN's peak is
            # the largest child so far, so each count gets its own parent
            out = subprocess.run([sys.executable, "-c",
                                  "import resource,subprocess,sys;"
                                  "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
                                  "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                                  linkrig, "run", "--quiet", "--out", os.path.join(tmp, "dev"), scn],
                                 check=True, capture_output=True, text=True)
            rss[n] = int(out.stdout.strip())
        per = (rss[a.devices] - rss[1]) / (a.devices - 1)
        print(f"peak RSS, 10 min uploading: 1 device {rss[1]} KiB, {a.devices} devices {rss[a.devices]} KiB: "
              f"{per:.0f} KiB per extra device")


if __name__ == "__main__":
    main()
