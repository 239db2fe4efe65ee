#!/usr/bin/env python3
"""events_capture.py LINKRIG TSHARK SCENARIO WORKDIR

The events capture beside a capture ring (sim/capture.h). The scenario
(tests/events_capture.yaml) keeps about the last minute of a 40-minute run
in its ring (ring_mb 1, 2 files, snap length 128) while the AP reboots four
times and deauthenticates the camera three times. Checked with tshark:

- the ring is bounded (ring_mb is the total across its files) and no longer
  holds the first handshake, which the events capture does;
- in the ring, management and EAPOL frames are whole despite the snap length,
  data frames are cut;
- the events capture has no malformed frame, a deauthentication frame from
  the AP at each `ap_deauth`, and after each reboot and each deauthentication
  a complete 4-way handshake (messages 1, 2, 3, 4 in order);
- it decrypts with the passphrase: Wireshark's WPA2 dissector opens every
  message 3's key data (the GTK) with "wpa-pwd" passphrase:SSID, and none
  with a wrong passphrase;
- the decrypted copy (--decrypted) follows the ring and holds no protected
  frame: DHCP and TCP read on the air without a key;
- the wire's events capture holds each DHCP exchange (an ACK after each
  reboot) and ARP."""
import json
import os
import shutil
import subprocess
import sys

linkrig, tshark, scenario, work = sys.argv[1:5]
EPOCH = 1767225600  # sim/capture.h: virtual time 0 is 2026-01-01T00:00:00Z
KEY = "correct horse battery:camnet"
shutil.rmtree(work, ignore_errors=True)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def ts(path, *args, key=None):
    cmd = [tshark, "-r", path]
    if key is not None:
        cmd += ["-o", "wlan.enable_decryption:TRUE", "-o", 'uat:80211_keys:"wpa-pwd","%s"' % key]
    res = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        fail("tshark %s: %s" % (" ".join(args), res.stderr[-400:]))
    return [line.split("\t") for line in res.stdout.splitlines() if line]


res = subprocess.run([linkrig, "run", "--quiet", "--decrypted", "--out", work, scenario], capture_output=True, text=True,
                     timeout=600)
if res.returncode != 0:
    fail("the run failed: %s%s" % (res.stdout[-1500:], res.stderr[-500:]))
d = os.path.join(work, "events_capture")
air_ev, wire_ev = os.path.join(d, "air-events.pcap"), os.path.join(d, "wire-events.pcap")

# the faults: the scenario's timeline (the trace is a ring like the
# captures, so its oldest events are gone by the end, as the ring's are):
# reboots at 5m + 10m k for 20 s, deauthentications at 10m + 10m k
faults = [["ap_reboot", EPOCH + 300 + 600 * k, EPOCH + 320 + 600 * k] for k in range(4)]
faults += [["ap_deauth", EPOCH + 600 + 600 * k, EPOCH + 600 + 600 * k] for k in range(3)]
# ...and the trace's ring holds the last of them, in files that all parse
ring_names = sorted((n for n in os.listdir(d) if n.startswith("trace.jsonl.")),
                    key=lambda n: -int(n.rsplit(".", 1)[1])) + ["trace.jsonl"]
seen = []
for name in ring_names:
    with open(os.path.join(d, name)) as f:
        for line in f:
            e = json.loads(line)
            if e.get("comp") == "scenario" and e.get("event") == "fault" and e.get("phase") == "start":
                seen.append((e["fault"], round(e["t"] / 1e9)))
if ("ap_reboot", 2100) not in seen or ("ap_deauth", 1800) not in seen:
    fail("the trace ring lost its newest faults: %s" % seen)
reboots = [x for x in faults if x[0] == "ap_reboot"]
kicks = [x for x in faults if x[0] == "ap_deauth"]
if len(reboots) != 4 or len(kicks) != 3:
    fail("expected 4 reboots and 3 deauthentications in the trace, got %d and %d" % (len(reboots), len(kicks)))

# the ring: bounded in total, and its oldest frame is long after the first handshake
ring = [os.path.join(d, n) for n in os.listdir(d) if n.startswith("air.pcap")]
dec = [os.path.join(d, n) for n in os.listdir(d) if n.startswith("air-decrypted.pcap")]
if len(dec) != 2 or sum(os.path.getsize(p) for p in dec) > 1024 * 1024:
    fail("the decrypted copy does not follow the air capture's ring: %s" % dec)
for p in dec:
    prot = ts(p, "-Y", "wlan.fc.protected == 1", "-T", "fields", "-e", "frame.number")
    tcp = ts(p, "-Y", "tcp", "-T", "fields", "-e", "frame.number")
    bad = ts(p, "-Y", "_ws.malformed", "-T", "fields", "-e", "frame.number")
    enc = ts(p.replace("air-decrypted", "air"), "-Y", "wlan.fc.protected == 1", "-T", "fields", "-e", "frame.number")
    if prot or bad or not tcp or not enc:
        fail("%s: %d protected, %d malformed, %d TCP frames (the air capture has %d protected)" %
             (p, len(prot), len(bad), len(tcp), len(enc)))
    print("%s: 0 protected frames left (the air capture had %d), %d TCP frames, 0 malformed" %
          (os.path.basename(p), len(enc), len(tcp)))
total = sum(os.path.getsize(p) for p in ring)
if len(ring) != 2 or total > 1024 * 1024:
    fail("the air ring has %d files, %d bytes: ring_mb 1 is the total across ring_files 2" % (len(ring), total))
oldest = min(float(r[0]) for p in ring for r in ts(p, "-c", "1", "-T", "fields", "-e", "frame.time_epoch"))
hs = ts(air_ev, "-Y", "eapol", "-T", "fields", "-e", "frame.time_epoch", "-e", "wlan_rsna_eapol.keydes.msgnr")
if not hs or float(hs[0][0]) >= oldest:
    fail("the ring still holds the first handshake: the test shows nothing")
print("air ring: %d files, %d bytes in all; oldest frame at +%.0f s, the first handshake at +%.1f s is only in "
      "the events capture" % (len(ring), total, oldest - EPOCH, float(hs[0][0]) - EPOCH))

# snap length: whole management and EAPOL, cut data
for p in ring:
    cut = ts(p, "-Y", "(wlan.fc.type == 0 || eapol) && frame.cap_len < frame.len", "-T", "fields", "-e", "frame.number")
    if cut:
        fail("%s: %d management or EAPOL frames cut by the snap length" % (p, len(cut)))
    data_cut = ts(p, "-Y", "wlan.fc.type == 2 && frame.cap_len < frame.len", "-T", "fields", "-e", "frame.number")
    if not data_cut:
        fail("%s: no data frame cut at 128 bytes: the snap length is not in force" % p)
print("snap length 128: management and EAPOL frames whole, data frames cut")

# the events capture: well-formed, a deauthentication at each kick
for p in (air_ev, wire_ev):
    bad = ts(p, "-Y", "_ws.malformed || _ws.expert.severity == error", "-T", "fields", "-e", "frame.number")
    if bad:
        fail("%s: %d malformed frames" % (p, len(bad)))
n_air = len(ts(air_ev, "-T", "fields", "-e", "frame.number"))
beacons = ts(air_ev, "-Y", "wlan.fc.type_subtype == 0x0008", "-T", "fields", "-e", "frame.number")
if beacons:
    fail("the events capture holds %d beacons" % len(beacons))
deauths = ts(air_ev, "-Y", "wlan.fc.type_subtype == 0x000c && wlan.fixed.reason_code == 4", "-T", "fields", "-e",
             "frame.time_epoch")
for k in kicks:
    if not any(abs(float(x[0]) - k[1]) < 1.0 for x in deauths):
        fail("no deauthentication (reason 4) in the events capture at the ap_deauth at +%.0f s" % (k[1] - EPOCH))

# a complete 4-way handshake after each fault, before the next one
events = sorted(reboots + kicks, key=lambda x: x[1])
for i, (kind, start, end) in enumerate(events):
    nxt = events[i + 1][1] if i + 1 < len(events) else float("inf")
    seq = [int(m) for t, m in hs if end <= float(t) < nxt]
    # the last 1-2-3-4 run: retries of message 1 may come before
    ok = any(seq[j:j + 4] == [1, 2, 3, 4] for j in range(len(seq)))
    if not ok:
        fail("no complete 4-way handshake after the %s at +%.0f s (messages seen: %s)" % (kind, start - EPOCH, seq))
    print("%-9s at +%5.0f s: %s4-way handshake %s" % (kind, start - EPOCH, "deauthentication, " if kind ==
                                                       "ap_deauth" else "", seq[-4:]))

# decrypts with the passphrase (and not with another)
m3 = [m for t, m in hs if m == "3"]
gtk = ts(air_ev, "-Y", "wlan.rsn.ie.gtk_kde.gtk", "-T", "fields", "-e", "frame.number", key=KEY)
wrong = ts(air_ev, "-Y", "wlan.rsn.ie.gtk_kde.gtk", "-T", "fields", "-e", "frame.number",
           key="wrong passphrase:camnet")
if len(gtk) != len(m3) or len(m3) < len(events) + 1:
    fail("tshark decrypted the key data of %d of %d message-3 frames with the passphrase" % (len(gtk), len(m3)))
if wrong:
    fail("tshark decrypted %d message-3 frames with a wrong passphrase: the check cannot fail" % len(wrong))
print("events capture: %d frames, %d bytes, 0 malformed; with wpa-pwd %s every one of the %d message-3 frames "
      "decrypts (GTK shown), none with a wrong passphrase" % (n_air, os.path.getsize(air_ev), KEY, len(m3)))

# the wire's events: a DHCP ACK after each reboot, ARP
acks = ts(wire_ev, "-Y", "dhcp.option.dhcp == 5", "-T", "fields", "-e", "frame.time_epoch")
for kind, start, end in reboots:
    if not any(end <= float(t) < end + 120 for (t,) in acks):
        fail("no DHCP ACK in the wire's events capture after the reboot at +%.0f s" % (start - EPOCH))
arp = ts(wire_ev, "-Y", "arp", "-T", "fields", "-e", "frame.number")
if not arp:
    fail("no ARP in the wire's events capture")
others = ts(wire_ev, "-Y", "!(dhcp || arp || eapol)", "-T", "fields", "-e", "frame.number")
if others:
    fail("%d frames in the wire's events capture are neither DHCP, ARP nor EAPOL" % len(others))
print("wire events capture: %d DHCP ACKs, %d ARP frames, nothing else" % (len(acks), len(arp)))
print("events capture test passed")
