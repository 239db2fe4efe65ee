#!/usr/bin/env python3
"""live_pty.py LINKRIG WORKDIR [TSHARK]

`linkrig live` as a person runs it: on a terminal (a pseudo-terminal), the
default world, its console on that terminal. The test never asks for
`status`: it injects an AP reboot and waits for the console to say, by
itself, that the AP went off, the link went down and the firmware saw it,
then that the camera joined again and got its address back. While the run
is live it reads the trace (every line whole JSON) and the air capture
(tshark opens it). Ctrl-C on the terminal stops the run: the summary says
that nothing was judged (the default world has no expectations), and
`linkrig report` makes the HTML report from the live run's output folder.

Every wait is bounded (a deadline, never a timing assertion)."""
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time

linkrig, work = sys.argv[1], sys.argv[2]
tshark = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
out_dir = os.path.join(work, "out")

pid, fd = pty.fork()
if pid == 0:
    # realtime=4: the reboot and the camera's backoff pass in a few wall seconds
    os.execv(linkrig, [linkrig, "live", "--no-hostfwd", "--realtime=4", "--out", out_dir])

screen = b""


def fail(msg):
    sys.stdout.write("FAIL: %s\n--- terminal ---\n%s\n" % (msg, screen.decode(errors="replace")[-3000:]))
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    sys.exit(1)


def read_until(pattern, seconds, start=0):
    """Reads the terminal until pattern matches past offset start."""
    global screen
    rx = re.compile(pattern, re.M)
    deadline = time.monotonic() + seconds
    while True:
        m = rx.search(screen.decode(errors="replace"), start)
        if m:
            return m
        left = deadline - time.monotonic()
        if left <= 0:
            fail("no line matching %r within %d s" % (pattern, seconds))
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                m = rx.search(screen.decode(errors="replace"), start)
                if m:
                    return m
                fail("the terminal closed before %r" % pattern)
            screen += chunk


def type_line(text):
    os.write(fd, text.encode() + b"\n")


m = read_until(r"firmware sees tcpip_link_status = GOT_IP", 60)
print("camera online:", m.group(0))

# The trace while the run is live: flushed per line, every line whole JSON.
trace = os.path.join(out_dir, "live", "trace.jsonl")
with open(trace, "rb") as f:
    data = f.read()
if not data.endswith(b"\n"):
    fail("the live trace does not end at a line boundary")
lines = data.splitlines()
for i, line in enumerate(lines):
    try:
        json.loads(line)
    except ValueError as e:
        fail("trace line %d is not JSON during the run: %s" % (i + 1, e))
print("live trace: %d lines, all whole JSON, read during the run" % len(lines))

# The air capture while the run is live: Wireshark (tshark) opens it.
if tshark:
    air = os.path.join(out_dir, "live", "air.pcap")
    res = subprocess.run([tshark, "-r", air, "-Y", "wlan.fc.type_subtype == 0x0008"], capture_output=True,
                         timeout=60)
    beacons = len(res.stdout.splitlines())
    if beacons == 0:
        fail("tshark read no beacon from the air capture during the run: %s" % res.stderr.decode()[-300:])
    print("air capture opened by tshark during the run: %d beacons" % beacons)

mark = len(screen.decode(errors="replace"))
type_line("ap reboot 6s")
read_until(r"^ok: ap1 reboots for 6s", 10, mark)
for what in (r"fault console ap_reboot ap1 starts", r"ap1\s+AP off", r"cam\s+link down: ",
             r"firmware sees tcpip_link_status = (CONNECTING|NO_AP_FOUND|NO_IP)", r"ap1\s+AP on",
             r"fault console ap_reboot ap1 ends", r"cam\s+joined "):
    m = read_until(what, 90, mark)
    print("seen:", m.group(0).strip())
    mark = m.end()
# recovered: the firmware's status and the sink's data, in either order
for what in (r"firmware sees tcpip_link_status = GOT_IP", r"cam\s+data at the sink again after [^\r\n]*"):
    print("seen:", read_until(what, 90, mark).group(0).strip())
if re.search(r"^status t=", screen.decode(errors="replace"), re.M):
    fail("a status line appeared, but nobody asked")

# Ctrl-C on the terminal: the run stops, the summary says nothing was judged.
os.write(fd, b"\x03")
read_until(r"live: NO EXPECTATIONS", 30)
_, status = os.waitpid(pid, 0)
try:
    while os.read(fd, 4096):
        pass
except OSError:
    pass
if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
    fail("linkrig live did not exit 0 after Ctrl-C: %r" % status)
print("Ctrl-C: summary says no expectations, exit 0")

# The report, from the live run's output folder.
res = subprocess.run([linkrig, "report", out_dir], capture_output=True, timeout=60)
report = os.path.join(out_dir, "live", "report.html")
if res.returncode != 0 or not os.path.exists(report):
    fail("linkrig report %s failed: %s" % (out_dir, res.stderr.decode()))
html = open(report, encoding="utf-8").read()
if "ap_reboot" not in html:
    fail("the live run's report does not show the reboot")
print("report from the live run's folder:", report)

# A FIFO capture nobody reads yet: the run says what it waits for, and
# Ctrl-C ends the wait cleanly.
fifo = os.path.join(work, "air.fifo")
os.mkfifo(fifo)
screen = b""
pid, fd = pty.fork()
if pid == 0:
    os.execv(linkrig, [linkrig, "live", "--no-hostfwd", "--pcap-air", fifo, "--out", out_dir])
read_until(r"waiting for a reader on " + re.escape(fifo), 30)
os.write(fd, b"\x03")
read_until(r"stopped while waiting for a reader on " + re.escape(fifo) + r"; nothing ran", 30)
_, status = os.waitpid(pid, 0)
if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
    fail("linkrig live waiting for a FIFO reader did not exit 0 on Ctrl-C: %r" % status)
print("FIFO without a reader: 'waiting for a reader', Ctrl-C stops it, exit 0")
print("live pty test passed")
