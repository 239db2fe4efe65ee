#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (tests/fuzz/), made from the project's
own runs.

    tools/fuzz_corpus.py LINKRIG TESTFW_DIR OUT_DIR

runs a few scenarios with LINKRIG (ap_reboot and gtk_rekey over the air with
WPA2, cable_pull on the wired port, tests/services.yaml with the svcprobe test
firmware from TESTFW_DIR for DNS and NTP), reads their air and wire captures
and writes, under OUT_DIR/<target>/, one file per input in the layout each
target reads (see the target's source). Inputs are named by the SHA-1 of
their bytes, so running it again gives the same files (the runs are
deterministic). Each target keeps at most MAX_PER_TARGET inputs, chosen in
capture order with duplicates dropped, so the committed corpora stay small.
The scenario and duration corpora come from the scenario files themselves.
tools/fuzz.sh merges what long campaigns find on top of these.
"""
import hashlib
import os
import re
import struct
import subprocess
import sys

MAX_PER_TARGET = 40
SCENARIOS_AIR = ["scenarios/ap_reboot.yaml", "scenarios/gtk_rekey.yaml"]
SCENARIO_WIRED = "scenarios/cable_pull.yaml"
SCENARIO_SERVICES = "tests/services.yaml"
STAGE_KEYED = 15  # FUZZ_AIR_KEYED in tests/fuzz/fuzz_air.h


def pcap_records(path):
    """(linktype, [frame bytes]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return 0, []
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        frames.append(data[off:off + incl])
        off += incl
    return linktype, frames


class Corpus:
    def __init__(self, root):
        self.root = root
        self.seen = {}

    def add(self, target, blob):
        seen = self.seen.setdefault(target, set())
        if len(seen) >= MAX_PER_TARGET or not blob:
            return
        h = hashlib.sha1(blob).hexdigest()
        if h in seen:
            return
        seen.add(h)
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, h), "wb") as f:
            f.write(blob)


def air_record(frame, flags=0):
    return bytes([flags]) + struct.pack("<H", len(frame)) + frame


def wire_record(frame, wait=0):
    n = min(len(frame), 0x7FF)
    return struct.pack("<BB", n & 0xFF, (n >> 8) | (wait << 3)) + frame[:n]


def run(linkrig, out, scenario, *extra):
    subprocess.run([linkrig, "run", "--quiet", "--out", out, *extra, scenario], check=False,
                   stdout=subprocess.DEVNULL)
    name = None
    with open(scenario) as f:
        for line in f:
            m = re.match(r"name:\s*(\S+)", line)
            if m:
                name = m.group(1)
                break
    return os.path.join(out, name)


def from_air(c, pcap):
    linktype, frames = pcap_records(pcap)
    if linktype != 127:  # radiotap
        return
    to_ap, to_sta = [], []
    for rt in frames:
        if len(rt) < 8:
            continue
        c.add("radiotap", rt[:64])
        it_len = struct.unpack("<H", rt[2:4])[0]
        mpdu = rt[it_len:]
        if len(mpdu) < 24:
            continue
        c.add("dot11_frame", mpdu)
        fc0, fc1 = mpdu[0], mpdu[1]
        ftype = (fc0 >> 2) & 3
        if ftype == 0 and fc0 == 0x80:
            continue  # beacons: the rig's own AP sends them anyway
        to_ds, from_ds = fc1 & 1, (fc1 >> 1) & 1
        if ftype == 2 and not (fc1 & 0x40):  # unprotected data: EAPOL-Key
            hl = 26 if (fc0 & 0x80) else 24
            body = mpdu[hl:]
            if body[:8] == b"\xaa\xaa\x03\x00\x00\x00\x88\x8e":
                c.add("eapol_key", body[8:])
        # Station -> AP (ToDS, or management frames from the station) and back.
        if ftype == 2:
            (to_ap if to_ds else to_sta).append(mpdu)
        elif ftype == 0:
            # Address 2 is the transmitter: the AP's own is its BSSID (address 3).
            (to_sta if mpdu[10:16] == mpdu[16:22] else to_ap).append(mpdu)
    # Each stage of the join with the frames that followed it in the run.
    for stage in range(STAGE_KEYED + 1):
        for target, seq in (("ap_rx", to_ap), ("sta_rx", to_sta)):
            start = min(stage // 2, len(seq))
            blob = bytes([stage]) + b"".join(air_record(f, 7) for f in seq[start:start + 6])
            c.add(target, blob)


def from_wire(c, pcap):
    linktype, frames = pcap_records(pcap)
    if linktype != 1:
        return
    for eth in frames:
        if len(eth) < 14:
            continue
        c.add("uplink", wire_record(eth))
        if eth[12:14] != b"\x08\x00" or len(eth) < 34:
            continue
        ihl = (eth[14] & 0x0F) * 4
        proto = eth[23]
        l4 = eth[14 + ihl:]
        if proto != 17 or len(l4) < 8:
            continue
        sport, dport = struct.unpack(">HH", l4[:4])
        payload = l4[8:]
        if dport == 67 or sport == 68:
            c.add("dhcps", wire_record(eth, 1))
        elif dport == 53:
            c.add("services", b"\x00" + payload)
        elif dport == 123:
            c.add("services", b"\x01" + payload)


def from_files(c, paths):
    for p in paths:
        with open(p, "rb") as f:
            text = f.read()
        if len(text) <= 4096:
            c.add("scenario", text)
        for m in re.finditer(rb"\b(\d+(?:\.\d+)?(?:ns|us|ms|s|m|h|d)?(?:\d+(?:ns|us|ms|s|m|h|d))*)\b", text):
            if len(m.group(1)) > 1:
                c.add("duration", m.group(1))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    linkrig, testfw, out = sys.argv[1:]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(here)
    c = Corpus(out)
    work = os.path.join(out, ".runs")
    for s in SCENARIOS_AIR:
        d = run(linkrig, work, s)
        from_air(c, os.path.join(d, "air.pcap"))
        from_wire(c, os.path.join(d, "wire.pcap"))
        # One line of each kind of event, and the verdict's lines.
        kinds = set()
        for name in ("trace.jsonl", "result.jsonl"):
            with open(os.path.join(d, name), "rb") as f:
                for line in f:
                    m = re.search(rb'"event":"([^"]*)"|"kind":"([^"]*)"', line)
                    k = m.group(0) if m else line[:16]
                    if k not in kinds:
                        kinds.add(k)
                        c.add("trace_line", line.rstrip(b"\n"))
    d = run(linkrig, work, SCENARIO_WIRED)
    from_wire(c, os.path.join(d, "wire.pcap"))
    d = run(linkrig, work, SCENARIO_SERVICES, "--firmware", os.path.join(testfw, "svcprobe.so"))
    from_wire(c, os.path.join(d, "wire.pcap"))
    files = sorted(os.path.join("scenarios", f) for f in os.listdir("scenarios") if f.endswith(".yaml"))
    files += sorted(os.path.join("tests/bad_scenarios", f) for f in os.listdir("tests/bad_scenarios")
                    if f.endswith(".yaml"))
    from_files(c, files)
    # --set values as the tests pass them (lm.backoff_ms=... is a list).
    for line in (b"l=0,0,0,0,0,0,0", b"l=60000", b"i=0", b"b=0", b"b=true", b"ip=10.0.2.100", b"s=overflow"):
        c.add("fwimage", line)
    subprocess.run(["rm", "-rf", work], check=False)
    for t in sorted(c.seen):
        print(f"{t}: {len(c.seen[t])} inputs")


if __name__ == "__main__":
    main()
