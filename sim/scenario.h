/* sim/scenario.h — a scenario file, parsed and checked (libyaml).
 *
 * A scenario is one YAML file: a name and a seed, the world (access points,
 * the device), the firmware's settings, a timeline of faults at virtual
 * times, and expectations checked against the trace. scn_load reads and
 * validates it completely before anything runs: unknown keys, wrong types,
 * impossible values and unknown fault or expectation names are errors that
 * name the file, line and column ("file:line:col: message"), and a file with
 * any error is refused whole. Times are durations as sim_time_parse reads
 * them ("30s", "5m", "2h", "250ms"); a bare number is seconds.
 *
 * The format, with every key (defaults in parentheses):
 *
 *   name: ap_reboot                 # required; [A-Za-z0-9_.-], used for the output folder
 *   description: text               # optional
 *   seed: 1                         # (1); --seed overrides
 *   duration: 10m                   # required, > 0
 *   capture:
 *     snaplen: 0                    # (0: whole frames) cut other frames to N bytes; management,
 *                                   #   EAPOL, DHCP and ARP frames are always whole
 *     ring_mb: 0                    # (0: one unbounded file) keep the last N MB of each
 *                                   #   capture in all: ring_files files of N/ring_files MB each;
 *                                   #   air-events.pcap and wire-events.pcap beside the ring keep
 *                                   #   every management (but beacons), EAPOL, DHCP and ARP frame;
 *                                   #   the trace is bounded the same way (trace.jsonl.N,
 *                                   #   docs/trace-schema.md)
 *     ring_files: 4                 # (4) files in the ring when ring_mb > 0
 *     beacons: true                 # (true) beacons in the air capture
 *     monitor: [0, 0]               # (beside the first device, moving with it) where the
 *                                   # air capture listens: [x, y] or [x, y, z] metres; a
 *                                   # frame it cannot hear there is not written, and the
 *                                   # radiotap signal is what it receives there
 *     air: true                     # (true) write air.pcap; false: no air capture at all
 *     wire: true                    # (true) write wire.pcap; false: no wire capture
 *                                   # (for runs that need only the verdict; --no-capture
 *                                   # turns both off for any scenario)
 *   world:
 *     networks:                     # optional, 0..8: LANs that several APs share ("Networks")
 *       - name: home                # required, unique
 *         pool: [10.0.2.15, 10.0.2.99]   # required; checked as a moved pool is
 *         netmask: 255.255.255.0    # (255.255.255.0)
 *         router: 10.0.2.2          # (10.0.2.2 on 10.0.2.0/24, else the subnet's first address)
 *         lease: 1h                 # (1h) >= 1s, whole seconds
 *     aps:                          # 1..8 entries
 *       - name: ap1                 # required, unique
 *         ssid: camnet              # required, 1..32 bytes
 *         passphrase: "..."         # (none: open network) 8..63 characters
 *         security: wpa2            # (wpa2 with a passphrase, else open) open | wpa2 | wpa3
 *                                   #   (SAE with the passphrase as password, PMF required) |
 *                                   #   wpa3-transition (WPA2-PSK and SAE, PMF capable) |
 *                                   #   wpa2-enterprise (802.1X; needs radius:, no passphrase)
 *         radius:                   # wpa2-enterprise: a FreeRADIUS started for the run on
 *                                   #   127.0.0.1 with files in OUTDIR/<name>/radius/<ap>/
 *           secret: linkrig         # (linkrig) the RADIUS shared secret
 *           latency: 2ms            # (2ms) virtual time per RADIUS reply
 *           server_cert: ok         # (ok) ok | expired | untrusted (signed by another CA)
 *           users: [{name: alice, password: "..."}]     # PEAP / TTLS accounts, 0..16
 *           client_certs: [{cn: cam, revoked: false}]   # EAP-TLS certificates, 0..8
 *                                   #   (the state at the start: the timeline's radius_server_cert,
 *                                   #   radius_revoke and radius_user change it during the run)
 *         channel: 6                # (6) 1..13
 *         position: [10, 0]         # ([0, 0]) metres: [x, y] or [x, y, z]
 *         tx_power: 20              # (20) dBm, -10..30
 *         max_stations: 16          # (16) 1..2007 associated stations; the next association
 *                                   #   is refused with status 17 (9.4.1.9, "unable to handle
 *                                   #   additional associated STAs"); 4 more may be authenticated
 *         hidden: false             # (false) beacons carry an empty SSID (hostapd's
 *                                   #   ignore_broadcast_ssid=1) and probe requests for the
 *                                   #   wildcard SSID go unanswered; directed ones are answered
 *         gtk_rekey: 10m            # (never) group rekey period, whole seconds, WPA2 only
 *                                   #   (hostapd's wpa_group_rekey): see "Group rekeying" below
 *         network: home             # (its own network) a name from world.networks; then no dhcp:
 *         dtim_period: 2            # (2, hostapd's dtim_period) 1..255 beacons per DTIM (TIM element)
 *         max_inactivity: 5m        # (5m, hostapd's ap_max_inactivity) whole seconds; 0 = never.
 *                                   #   A station the AP heard nothing from for this long is
 *                                   #   polled with a Null frame; unanswered (no ACK, no frame)
 *                                   #   within 3 s it is disassociated with reason 4
 *                                   #   (inactivity), and deauthenticated with reason 2 a
 *                                   #   second later (hostapd's ap_handle_timer). A dozing
 *                                   #   station gets the poll through the TIM and answers it.
 *         dhcp:                     # optional: its own network's server
 *           lease: 1h               # (1h) >= 1s
 *           pool: [10.0.2.15, 10.0.2.99]   # (ap 0: 10.0.2.15-99; ap n: 10.0.(2+n).15-99)
 *     device:                       # the one device, named "cam" (or use devices:)
 *       position: [0, 0]            # ([0, 0])
 *       tx_power: 20                # (20)
 *       lan: false                  # (false) a wired interface, which the camera then uses
 *       pm: none                    # (none) the chip's power management, as cyw43_wifi_pm sets
 *                                   #   it (cyw43-driver src/cyw43.h): none (CYW43_NONE_PM),
 *                                   #   aggressive (CYW43_AGGRESSIVE_PM: PM1, PS-Poll on the
 *                                   #   TIM), performance or default (CYW43_PERFORMANCE_PM =
 *                                   #   CYW43_DEFAULT_PM: PM2, awake on traffic, doze after
 *                                   #   200 ms), or a raw pm value (mode in bits 0-3: 0..2).
 *                                   #   The firmware's own cyw43_wifi_pm / chip_wifi_pm
 *                                   #   changes it later (the Pico W layer's set_up does).
 *       firmware: build/my.so       # (--firmware, else the bundled camera) relative to this file;
 *                                   #   the image the scenario is for: a run without --firmware
 *                                   #   refuses (exit 2, file:line:col) when it cannot be read,
 *                                   #   rather than run the bundled camera in its place
 *     devices:                      # instead of device: 1..128 devices in one world
 *       - name: cam1                # required, unique; names the device in trace and verdict
 *         position: [0, 0]          # tx_power, lan, firmware, pm: as for device
 *         settings: {camera.period_ms: 500}   # this device's own firmware settings
 *                                   # (after firmware: below, before --set)
 *   clients:                        # client stations (a phone, a laptop): devices running the
 *                                   #   rig's client image (client/client.c), counted among the
 *                                   #   128 devices; an expectation that names no device is
 *                                   #   never judged for a client
 *     - name: phone                 # required, unique among devices and clients
 *       ssid: cam-setup             # required: the network it joins (a device's AP interface,
 *                                   #   e.g. the camera's ap.ssid setting, or an AP of world.aps)
 *       passphrase: "..."           # (none: open) 8..63 characters
 *       position: [3, 1]            # ([0, 0]); tx_power (20) as for a device
 *       join_at: 5s                 # (0) when it joins
 *       url: http://192.168.4.1/config.html   # (none) after its address: an HTTP/1.0 GET, or
 *                                   #   tcp://A.B.C.D:PORT (a connection opened and closed)
 *       fetch_delay: 500ms          # (500ms) between the address and the URL
 *       leave_at: 30s               # (never) it leaves (Deauthentication, reason 3)
 *   firmware:                       # the device's settings (hal_config keys in brackets)
 *     ssid: camnet                  # [wlan.ssid] (the first AP's SSID)
 *     key: "..."                    # [wlan.key] (the first AP's passphrase, or none)
 *     security: wpa3                # [wlan.security] auto | wpa2 | wpa-wpa2 | wpa3 | wpa2-wpa3
 *                                   #   (wpa3 when the first AP is wpa3, else the image's: auto)
 *     eap:                          # WPA2-Enterprise credentials [wlan.eap.*]
 *       method: peap                # required: peap | ttls | tls
 *       identity: alice             # required
 *       anonymous_identity: anon    # (none: the identity goes out in clear)
 *       password: "..."             # peap, ttls
 *       ca_cert: true               # (true) the device trusts the RADIUS server's CA
 *       client_cert: cam            # tls: the CN of a radius.client_certs entry (its key too)
 *     connect_timeout: 10s          # [lm.connect_timeout_ms] (10s); 0 = wait forever
 *     attempt_timeout: 10s          # [lm.attempt_timeout_ms] (10s); 0 = wait forever
 *     backoff: [1s, 2s, 4s, 8s, 16s, 32s, 60s]   # [lm.backoff_ms] 0..16 entries
 *     power_cycle: true             # [lm.power_cycle]
 *     frame_period: 1s              # [camera.period_ms] (1s) >= 1ms
 *     frame_bytes: 20480            # [camera.frame_bytes] (20480) 1..1048576
 *   services:                       # in-rig services behind the AP's uplink, 0..16 (see below)
 *     - name: uploads               # required, unique, [A-Za-z0-9_.-] 1..31
 *       kind: sink                  # required: sink | tcp_echo | tcp_greeter | udp_echo | dns | ntp
 *       address: 10.0.2.100         # (per kind, below) on 10.0.2.0/24
 *       port: 9000                  # (per kind) 1..65535
 *     - {name: echo, kind: tcp_echo}                   # 10.0.2.101:7
 *     - name: greeter               # 10.0.2.102:2323
 *       kind: tcp_greeter
 *       greeting: "220 linkrig"     # ("hello") sent when a connection opens
 *       replies:                    # 0..16, the first whose expect occurs in a line answers it
 *         - {expect: "HELO", reply: "250 hello"}
 *         - {expect: "", reply: "500 what?"}      # "" matches every line
 *     - {name: uecho, kind: udp_echo}                  # 10.0.2.103:7
 *     - name: dns                   # 10.0.2.3:53, the DNS server the DHCP servers announce
 *       kind: dns
 *       names: {time.rig: 10.0.2.123, uploads.rig: 10.0.2.100}   # 0..32 A records
 *     - name: time                  # 10.0.2.123:123
 *       kind: ntp
 *       epoch: 1767225600           # (the captures' epoch, 2026-01-01T00:00:00Z) Unix seconds at
 *                                   #   virtual time 0, 0..2085978495 (NTP era 0)
 *   forwards:                       # optional: ports of this machine forwarded to the device,
 *     - "tcp:127.0.0.1:8080-:80"    #   QEMU's hostfwd syntax (GUESTADDR empty: the first lease).
 *                                   #   Host sockets make a run depend on the host's timing: such
 *                                   #   runs are paced to the wall clock while a connection is open
 *                                   #   and are not byte-for-byte reproducible (--hostfwd adds more)
 *   timeline:                       # faults, in any order (run in time order)
 *     - at: 60s
 *       fault: ap_reboot            # ap, duration (required); keep_leases (false); channel (same)
 *     - {at: 2m, fault: ap_off, ap: ap1}               # silent until ap_on
 *     - {at: 3m, fault: ap_on, ap: ap1}
 *     - {at: 5m, fault: ap_passphrase, ap: ap1, passphrase: "other pass"}
 *     - {at: 5m, fault: ap_tx_power, ap: ap1, tx_power: -5}
 *     - {at: 5m, fault: move_device, to: [200, 0], speed: 2}   # speed 0.001..1000 m/s; none or 0 = jump
 *     - {at: 5m, fault: dhcp, ap: ap1, mode: ignore_renewals}  # normal | ignore_renewals |
 *                                   #   nak_renewals | silent | empty_pool; optional lease: 60s;
 *                                   #   optional pool: [a, b] with netmask/router ("Moving a
 *                                   #   network" below); lan: true instead of ap: the wired
 *                                   #   segment's server
 *     - {at: 5m, fault: ap_deauth, ap: ap1, device: cam, reason: inactivity}
 *                                   # a Deauthentication to the device (without device: to
 *                                   #   each station); reason: 1..65535 or a name (below)
 *     - {at: 5m, fault: ap_disassoc, ap: ap1, reason: ap_busy}    # a Disassociation, likewise
 *     - {at: 5m, fault: ap_refuse, ap: ap1, status: ap_full, duration: 30s}
 *                                   # (Re)Association Requests answered with that status
 *                                   #   (1..65535 or a name) for duration; with status 30
 *                                   #   (try_later) optional comeback: 5s adds a Timeout
 *                                   #   Interval element (association comeback time, TUs)
 *     - {at: 5m, fault: group_key_miss, device: cam, duration: 2m}
 *                                   # the chip ignores group key message 1 (optional duration;
 *                                   #   without, to the end of the run)
 *     - {at: 5m, fault: cable_move, pool: [192.168.50.100, 192.168.50.150], router: 192.168.50.1,
 *        pause: 5s}                 # cable out, and after pause (1s) into another network:
 *                                   #   netmask, router, lease optional as for dhcp; needs lan
 *     - {at: 5m, fault: radius_down, ap: ap1, duration: 1m}   # a wpa2-enterprise AP's RADIUS
 *                                   #   server stops answering (duration optional: to the end);
 *                                   #   the AP retransmits, then gives the station up
 *     - {at: 5m, fault: radius_slow, ap: ap1, delay: 4s, duration: 1m}   # each RADIUS reply
 *                                   #   takes delay (virtual); radius.latency again after duration
 *     - {at: 5m, fault: spoofed_deauth, ap: ap1, device: cam, reason: 7}   # a Deauthentication
 *                                   #   forged with the AP's address (sent unprotected from the
 *                                   #   AP's position; without device: broadcast): a PMF link
 *                                   #   ignores it (802.11w), a link without PMF drops
 *     - {at: 5m, fault: sae_anti_clogging, ap: ap1, duration: 1m}   # a wpa3 AP asks every SAE
 *                                   #   Commit for a token (status 76) as under a flood
 *     - {at: 5m, fault: downgrade, ap: twin, duration: 1m}   # twin: a wpa2 AP with the SSID of a
 *                                   #   wpa3-transition AP, off until this fault; then the twin
 *                                   #   comes on and the transition AP(s) of that SSID go off for
 *                                   #   duration (out of reach): a wpa2-wpa3 device rejoins the
 *                                   #   twin with WPA2-PSK (the downgrade transition mode allows)
 *     - {at: 5m, fault: radius_server_cert, ap: ap1, cert: expired, duration: 1m}   # a
 *                                   #   wpa2-enterprise AP's server presents a certificate
 *                                   #   ok | expired | untrusted (signed by a CA the devices do
 *                                   #   not trust); radius.server_cert again after duration
 *     - {at: 5m, fault: radius_revoke, ap: ap1, cn: cam, duration: 1m}   # the server's CRL
 *                                   #   lists the radius.client_certs entry cn (revoked: false
 *                                   #   takes it out instead); as radius.client_certs again after
 *                                   #   duration
 *     - {at: 5m, fault: radius_user, ap: ap1, user: alice, password: "new pass 2", duration: 1m}
 *                                   # the server's password for a radius.users entry changes
 *                                   #   (or removed: true instead of password: the server knows
 *                                   #   no such identity); as radius.users again after duration.
 *                                   #   These three restart the AP's FreeRADIUS with new files
 *                                   #   (the same CA and client keys): wall time only, virtual
 *                                   #   time waits; an EAP exchange under way is lost with it.
 *                                   #   A station already joined keeps its keys: the fault shows
 *                                   #   at its next authentication (after an ap_deauth, an
 *                                   #   ap_reboot, a roam). An SAE password mismatch is
 *                                   #   ap_passphrase on a wpa3 AP (the SAE password changes;
 *                                   #   joined stations keep their keys likewise).
 *     - {at: 5m, fault: radio_wedge, mode: both, survives_power_cycles: 0}  # commands | frames | both
 *     - {at: 5m, fault: cable_pull, duration: 30s}     # needs device.lan
 *     - {at: 5m, fault: service, service: dns, mode: wrong, duration: 1m}
 *                                   # mode: down | slow (needs delay: 2s) | wrong | normal;
 *                                   #   duration optional (its end restores normal)
 *                                   # move_device, radio_wedge, cable_pull, cable_move,
 *                                   # group_key_miss, ap_deauth, ap_disassoc take an optional
 *                                   # device: NAME (default: every device)
 *     - {at: 5m, console: "connect camnet other-key", device: cam}
 *                                   # not a fault: a line written to the device's serial
 *                                   #   console (every device's without device:); 1..255
 *                                   #   printable bytes, the line end added (README, "The
 *                                   #   console"); a line the device left no room for in its
 *                                   #   receive buffer is refused whole (trace in_refused)
 *     - {id: reboot, at: 5m, every: 5m, until: 2h, fault: ap_reboot, ap: ap1, duration: 20s}
 *     - {id: walk, at: 2h10m, every: 4h, count: 6, jitter: 30s, fault: move_device, to: [400, 0], speed: 2}
 *                                   # any entry: id (a name for after:/exclude:); every with
 *                                   #   until or count, and jitter: one line, a periodic fault
 *   expect:                         # each one is a JUnit testcase; an optional device: NAME
 *                                   # judges one device, else each device is judged
 *     - link_up_within: 15s
 *     - {link_up_within: 60s, after: 0}
 *     - {status_reaches: WRONG_PASSWORD, within: 15s}   # (after: N optional) IDLE CONNECTING NO_IP GOT_IP
 *                                   #   CONNECT_FAIL NO_AP_FOUND WRONG_PASSWORD
 *     - connect_timeout_reported: true
 *     - reconnect_spacing: [1s, 2s, 4s, 8s]       # (after: N optional)
 *     - power_cycles: 1                           # exactly; or {min: 1, max: 3}
 *     - {recovery_within: 60s, after: 0}          # (after: required)
 *     - {drop_detected_within: 2s, after: 0}      # (after: required)
 *     - bytes_delivered_min: 4096000
 *     - uploads_min: 200
 *     - delivery_gap_max: 45s                     # (after: N optional)
 *     - {marker: upload_done, min: 3, max: 10, after: 0, within: 60s}  # all but the name optional
 *     - {recovery_within: 30s, after: reboot}     # every occurrence of entry "reboot"; the worst reported
 *     - {recovery_within: 30s, after: reboot#3}   # its third occurrence only
 *     - max_outage: 40s                           # optional exclude: [reboot, walk#2], grace: 30s
 *     - status_never: WRONG_PASSWORD
 *     - {associated_with: ap1, at: 10m}           # or after: ENTRY (its end); optional within: D
 *     - drops: {max: 30}                          # or {min, max}, or a number (exactly)
 *     - connections: {max: 100}                   # or {min, max}, or a number (exactly)
 *     - {console_line: "connected", after: 0, within: 10s}   # after, within optional
 *     - {client_joined: phone, within: 15s}      # the client's name; within (optional) or
 *     - {client_got_address: phone, never: true} #   never: true
 *     - {client_fetched: phone, status: 200, contains: "camera setup", within: 30s}
 *     - {client_deauthed: phone, reason: 15}     # reason: a number or a name (optional)
 *
 * Reason and status codes. A number, or the name hostapd gives the code
 * (src/common/ieee802_11_defs.h, WLAN_REASON_* / WLAN_STATUS_* in lower
 * case). Reasons (IEEE 802.11-2016 9.4.1.7, Table 9-45): unspecified 1,
 * prev_auth_not_valid 2, deauth_leaving 3 (leaving), disassoc_due_to_inactivity
 * 4 (inactivity), disassoc_ap_busy 5 (ap_busy), class2_frame_from_nonauth_sta
 * 6 (class2_frame_from_nonauth), class3_frame_from_nonassoc_sta 7
 * (class3_frame_from_nonassoc), disassoc_sta_has_left 8 (sta_has_left),
 * sta_req_assoc_without_auth 9, pwr_capability_not_valid 10,
 * supported_channel_not_valid 11, bss_transition_disassoc 12, invalid_ie 13,
 * michael_mic_failure 14 (mic_failure), 4way_handshake_timeout 15,
 * group_key_update_timeout 16, ie_in_4way_differs 17, group_cipher_not_valid
 * 18, pairwise_cipher_not_valid 19, akmp_not_valid 20,
 * unsupported_rsn_ie_version 21, invalid_rsn_ie_capab 22,
 * ieee_802_1x_auth_failed 23, cipher_suite_rejected 24, disassoc_low_ack 34.
 * Statuses (9.4.1.9, Table 9-46): unspecified_failure 1 (unspecified),
 * caps_unsupported 10, reassoc_no_assoc 11, assoc_denied_unspec 12,
 * not_supported_auth_alg 13, unknown_auth_transaction 14, challenge_fail 15,
 * auth_timeout 16, ap_unable_to_handle_new_sta 17 (ap_full),
 * assoc_denied_rates 18, assoc_denied_noshort 19, spec_mgmt_required 22,
 * pwr_capability_not_valid 23, supported_channel_not_valid 24,
 * assoc_denied_no_short_slot_time 25, assoc_denied_no_ht 27,
 * assoc_rejected_temporarily 30 (try_later), robust_mgmt_frame_policy_violation
 * 31, unspecified_qos_failure 32, denied_insufficient_bandwidth 33,
 * denied_poor_channel_conditions 34, request_declined 37, invalid_parameters
 * 38, invalid_ie 40, group_cipher_not_valid 41, pairwise_cipher_not_valid 42,
 * akmp_not_valid 43, unsupported_rsn_ie_version 44, invalid_rsn_ie_capab 45,
 * cipher_rejected_per_policy 46, invalid_pmkid 53. Out of 1..65535, or an
 * unknown name, is an error.
 *
 * On the air (what each AP fault sends; ap_model/ap.h):
 *   ap_deauth    a Deauthentication with the reason to the device's MAC (or
 *                one to each station the AP knows); the AP forgets it.
 *   ap_disassoc  a Disassociation with the reason (to each associated
 *                station without device:); the AP keeps the station
 *                authenticated (State 2, 11.3.5.5) and answers its data with
 *                a Deauthentication, reason 7. The chip drops the link at
 *                either frame and the firmware must join again.
 *   ap_refuse    Authentication still succeeds; the Association Response
 *                carries the status (and for 30 with comeback the Timeout
 *                Interval element, type 3, 9.4.2.49). The chip reports the
 *                join as CONNECT_FAIL.
 *
 * Group rekeying (gtk_rekey, group_key_miss). Every gtk_rekey the AP draws
 * a new GTK under the other key ID (1 and 2 take turns, hostapd's GN/GM)
 * and runs the group key handshake (12.7.7) with each authorized station:
 * EAPOL-Key group message 1 (the GTK KDE wrapped with the KEK, MIC with the
 * KCK, protected with the PTK), answered by group message 2. Group traffic
 * goes out under the old key until every station has answered or is gone.
 * A station that does not answer gets message 1 again 500 ms after the
 * first send, then 1 s apart, 4 sends in all (hostapd:
 * eapol_key_timeout_first_group, eapol_key_timeout_subseq,
 * dot11RSNAConfigGroupUpdateCount), and 1 s after the last it is
 * deauthenticated with reason 16 (hostapd's KEYERROR,
 * WLAN_REASON_GROUP_KEY_UPDATE_TIMEOUT). The chip's supplicant answers
 * message 1 and keeps both GTKs; group_key_miss makes it ignore it.
 *
 * Networks. A network is a LAN with its router and one DHCP server, behind
 * the same uplink. An AP without network: is its own network (a home
 * router): its server hands out its dhcp.pool, or by default .15-.99 of
 * 10.0.2.0/24 for the first AP and of 10.0.(2+n).0/24 for AP n (router .2,
 * server .254, DNS 10.0.2.3), so two devices on two APs never get one
 * address; a dhcp.pool given on an AP is on 10.0.2.0/24's router 10.0.2.2 as
 * before. APs that name one network share its server (trace component: the
 * network's name; address: the highest host address outside pool and
 * router), so a station that roams between them keeps its lease; an
 * ap_reboot of one of them leaves that server's leases alone (keep_leases
 * is for an AP's own network), a dhcp fault on one of them acts on it. A
 * network's pool is checked as a moved pool is (below). Refused: pools
 * that share an address (networks' and APs' own, defaults included), a
 * network no AP is on, an unknown network name, network: with dhcp:. The
 * uplink answers ARP for every router outside 10.0.2.0/24 (uplink.h).
 *
 * Roaming. With several APs of one SSID the chip joins the strongest, and
 * while joined it roams by itself (radio_model/radio.h, "Roaming"): below a
 * mean beacon signal of -75 dBm (Broadcom's roam_trigger) it scans every
 * 10 s and moves to an AP with the same SSID and security at least 20 dB
 * stronger (roam_delta): authentication, Reassociation Request, a new 4-way
 * handshake. The firmware sees no link change; the AP's sta_authorized
 * after the handshake moves associated_with's evidence to the new AP.
 *
 * Moving a network (a dhcp pool, cable_move). A pool moved without router
 * keeps the router its server had (at first the uplink's gateway 10.0.2.2;
 * the timeline is followed in time order), which must then lie in the new
 * subnet, or the file is refused: give router:. What the uplink can serve
 * is checked too: a unicast subnet of /8 to /30, not 0/8, 127/8, 169.254/16
 * or 224.0.0.0 and above; either exactly the uplink's 10.0.2.0/24 (router
 * 10.0.2.2, the pool clear of .2, .3, .253, .254 and every service) or
 * clear of it; the router neither the network, broadcast nor a pool
 * address. libslirp's network is fixed when it starts, so the uplink
 * answers ARP for a router on another subnet with its gateway's MAC and
 * slirp routes from there (sim/uplink.h, uplink_add_router): the in-rig
 * services keep their 10.0.2.x addresses, reached through the new router.
 * A dhcp fault's server keeps its address (renewals reach it through the
 * router, ap_model/dhcps.h); a cable_move's network has its own server
 * (the highest host address outside the pool and router) that knows no
 * lease, so the device's INIT-REBOOT is NAKed. The wired segment is one
 * network: cable_move moves it for every wired device.
 *
 * Services. Each is served inside the rig on virtual time (sim/uplink.h,
 * sim/services.h), so runs that use them stay reproducible. The runner
 * gives every device the settings NAME.ip (a dotted quad) and NAME.port of
 * each service, and sink.ip / sink.port for the sink as before. There is
 * always exactly one sink, the rig's witness of delivery (the verdict counts
 * uploads there): without a sink entry it is {name: sink, kind: sink} at
 * 10.0.2.100:9000, and only a sink may be named "sink". What each kind does:
 *   sink         TCP: counts and checksums what it receives (uploads, bytes).
 *   tcp_echo     TCP: sends back what it receives (one connection at a time).
 *   tcp_greeter  TCP: sends its greeting line when a connection opens, then
 *                answers each line it receives (LF-ended, a CR before it
 *                dropped) with the reply of the first rule whose expect text
 *                occurs in the line, or not at all; lines go out CR LF.
 *   udp_echo     UDP: sends each datagram back.
 *   dns          UDP: authoritative for its names (A records, TTL 60 s),
 *                NXDOMAIN for every other name, NODATA for other types.
 *                Its default address is the uplink's DNS address 10.0.2.3,
 *                which every DHCP server announces: the uplink takes UDP to
 *                that port before slirp (whose DNS proxy would drop it or ask
 *                the host). Names: labels of 1..63 letters, digits, '-', '_',
 *                at most 253 characters, compared without case.
 *   ntp          UDP: an NTP server (RFC 5905, mode 4 answers to mode 3
 *                requests, stratum 1) whose clock is epoch + virtual time,
 *                the same clock as the captures' time stamps by default.
 * Default addresses: sink 10.0.2.100:9000, tcp_echo 10.0.2.101:7,
 * tcp_greeter 10.0.2.102:2323, udp_echo 10.0.2.103:7, dns 10.0.2.3:53, ntp
 * 10.0.2.123:123. An address must be a host of 10.0.2.0/24 outside what the
 * rig uses: not .2 (slirp's gateway), not .3 (slirp's DNS; a dns service
 * may sit there), not in an AP's DHCP pool (.15-.99 by default) or the wired
 * segment's (.150-.199), not .253 or .254 (the DHCP servers). Two services
 * may share an address but not a protocol and port.
 * The service fault sets a service's mode (sim/uplink.h):
 *   down    TCP: every segment of the guest is answered with a reset
 *           (refused); UDP: nothing is answered.
 *   slow    TCP: the guest's segments reach the service `delay` later;
 *           UDP: answers leave `delay` after the request.
 *   wrong   echo and greeter: every byte's lowest bit flipped; dns: every A
 *           query answered 192.0.2.1; ntp: the clock a day ahead. Not for
 *           the sink (it sends nothing).
 *   normal  as declared.
 * With duration, the service returns to normal at its end.
 *   sweep:                          # optional: what `linkrig sweep` draws (linkrig run ignores it)
 *     faults:                       # required, 1..16 kinds to draw from, each with its ranges:
 *       - {fault: ap_reboot, ap: ap1, duration: [5s, 30s]}   # ap: a name or a list to pick from
 *                                   #   (every AP); keep_leases: [false, true]; channel: [6, 11]
 *       - {fault: cable_pull, duration: [5s, 60s]}           # device: NAME (every device)
 *       - {fault: radio_wedge, mode: [commands, both], survives_power_cycles: [0, 1]}
 *       - {fault: ap_tx_power, ap: ap1, tx_power: [-10, 10]}
 *       - {fault: dhcp, ap: ap1, mode: [nak_renewals, silent], lease: [60s, 10m]}
 *                                   # a value is fixed; [lo, hi] draws a number or duration in
 *                                   # the range, a list of names or booleans picks one
 *     count: [1, 3]                 # (1) faults per schedule: n or [min, max], 1..64
 *     duration: [5s, 30s]           # how long faults with a duration last, when their entry
 *                                   #   gives none (ap_reboot and cable_pull need one of the two)
 *     gap: [10s, 60s]               # (10s) from one fault's end to the next one's start
 *     window: [30s, 3m]             # ([0, duration]) every drawn fault starts and ends in it
 *   A schedule is the file's own timeline (kept, first, so after: N still
 *   means the same entry) followed by the drawn faults in time order.
 *
 * What each expectation means. Verdicts come from what the rig itself saw,
 * never from what the firmware says about itself (sim/runner.c): the chip
 * and Ethernet driver calls the firmware made and what they returned
 * (trace events "chip" and "eth" under the device's component), the air and
 * the AP (association, 4-way handshake, deauthentication, beacon loss), the
 * DHCP servers (leases), the Ethernet PHY, and the rig's TCP sink (bytes and
 * uploads, with their times). The exceptions are marker and console_line, which are
 * about the firmware's own markers and console output by definition. Words used below:
 *   - a join is a chip wifi_join call; an attempt is a join;
 *   - a status poll is a wifi_link_status, tcpip_link_status or
 *     eth_link_status call, and what it returned; the connected values are
 *     UP (tcpip), JOIN (wifi) and UP (eth). As on a cyw43, wifi_link_status
 *     stays JOIN through a lost link until the firmware leaves (wifi_chip.h),
 *     so only tcpip_link_status polls (MicroPython's status()) show a loss;
 *     the chip's link down, delivered as a callback, is there either way;
 *   - online: the device was associated (the chip's link up after the 4-way
 *     handshake, or the Ethernet PHY's link up) and then got a lease (a DHCP
 *     ACK with a lease for its MAC from a server of the rig);
 *   - a loss: while online, the first of: the chip's link down (beacon loss,
 *     deauthentication), a deauthentication or disassociation by the AP it
 *     is associated with (not one it roamed away from), the AP switched off,
 *     the radio wedged (frames or both), the PHY's link down, a DHCP NAK or
 *     lease expiry for the device, a status poll returning something else
 *     than the connected value, or the firmware's own leave or power-down;
 *   - an outage runs from a loss to the next time the device is online;
 *   - a delivery is bytes arriving at the rig's sink; an upload is a run of
 *     them on one connection with no pause of 200 ms or more (the camera's
 *     frames are one upload each; uplink.h);
 *   - "entry N" is timeline entry N (from 0); a walk ends when it arrives.
 * Times in messages are seconds with millisecond precision, rounded.
 *
 * The timeline. Each entry happens once at `at`, or, with `every: P`,
 * repeatedly: occurrence k (counted from 1) is due at at + (k-1) * P, for
 * `count: n` occurrences or while that time is no later than `until: T`
 * (at <= T <= duration; with count, the last one must be due within the
 * run). `jitter: J` (0 <= J < P) delays each occurrence by its own amount
 * drawn uniformly from [0, J] from the scenario's seed (random stream
 * "scenario.timeline.<id or entry number>", so adding an entry or a
 * component shifts no other numbers); an occurrence pushed past the end of
 * the run does not happen. Every entry must be due before the end of the
 * run (at, and with every the last occurrence, < duration), and a fault with
 * a duration (or cable_move's pause) must be over by the end: the last
 * occurrence's start + jitter + duration <= duration of the run (whatever
 * the seed draws); both are errors
 * (file:line:col) naming the end, because a fault the end cuts short has no
 * end for after: and exclude: to measure from. A fault meant to last to the
 * end is written without one (ap_off; a service, group_key_miss or radius
 * fault without duration). A timed fault (ap_reboot, cable_pull) must be over
 * before its next occurrence is due: duration + jitter < every. The whole
 * timeline may expand to at most SCN_MAX_OCCURRENCES occurrences; the 256
 * entries of SCN_MAX_FAULTS count lines, not occurrences. `id: NAME`
 * ([A-Za-z0-9_.-], 1..31 characters, not only digits, unique) names an
 * entry for `after:` and `exclude:`.
 *
 * When each fault starts and ends (the start is its occurrence's time; the
 * end is what `after:` and `exclude:` measure from):
 *   ap_reboot    the AP goes silent and forgets its stations (and its
 *                leases unless keep_leases) at the start; it is back on
 *                (on its new channel, if given) at start + duration: the end.
 *   cable_pull   the cable is out from the start; plugged in again at
 *                start + duration: the end.
 *   move_device  a jump (no speed) ends when it starts. A walk ends when
 *                the last device it moves arrives (distance / speed); a
 *                walk still under way when the next occurrence of its entry
 *                starts ends there, and the next walk goes on from where
 *                the device is.
 *   cable_move   the cable is out from the start; plugged into the new
 *                network at start + pause: the end.
 *   ap_refuse    refusing from the start to start + duration: the end.
 *   group_key_miss  from the start to start + duration (the end; without
 *                duration the end is the start and it lasts to the end of
 *                the run).
 *   radius_down, radius_slow, sae_anti_clogging, downgrade, radius_server_cert,
 *   radius_revoke, radius_user
 *                from the start to start + duration (the end; without
 *                duration the end is the start and it lasts to the end of
 *                the run).
 *   ap_off, ap_on, ap_passphrase, ap_tx_power, dhcp, radio_wedge, ap_deauth,
 *   ap_disassoc, spoofed_deauth, console
 *                change the model at the start and have no end of their
 *                own: the change lasts until another entry undoes it (ap_on
 *                after ap_off, dhcp mode normal; a wedge until the power
 *                cycles it survives), so their end is their start.
 *
 * after: names a timeline entry: its number N (from 0), or its id. When the
 * entry repeats, the expectation is judged once for each occurrence that
 * started (as if that occurrence were the entry), it holds when every one
 * holds, and the message reports the worst occurrence (a failed one before
 * a held one; among them the longest time measured, "never" longest of all)
 * and how many failed. `after: ID#K` (or N#K) judges occurrence K alone (K
 * from 1; one that never started fails).
 *
 *   link_up_within: D [after: N]   the device is online within D of the
 *       start of the run (of the end of entry N): the first online moment at
 *       or after it, or at once if it is online then.
 *   status_reaches: S [within: D] [after: N]   a status poll at or after the
 *       start of the run (of entry N) returned S, i.e. the rig told the
 *       firmware S: the chip's CHIP_LINK_* values are MicroPython's STAT_*
 *       (DOWN = IDLE, JOIN = CONNECTING, NOIP = NO_IP, UP = GOT_IP, FAIL =
 *       CONNECT_FAIL, NONET = NO_AP_FOUND, BADAUTH = WRONG_PASSWORD); within
 *       D when given. Only Wi-Fi polls count (eth_link_status has no such
 *       statuses).
 *   connect_timeout_reported: true   the firmware gave up its first join
 *       instead of waiting on it forever: the device was not online, and
 *       after the first join the firmware made a leave, a power-down or
 *       another join, no later than firmware.connect_timeout plus the first
 *       backoff wait plus 1 s (the settings the scenario gives the firmware:
 *       it reports the timeout, then carries on with its backoff table; a
 *       connect_timeout of 0 puts no bound). false: it never did.
 *   reconnect_spacing: [w1, w2, ...] [after: N]   the first outage that
 *       starts at or after the first time the device is online (the start of
 *       entry N) has at least as many joins as waits, and gap k lies in
 *       [wk, wk + max(100 ms, wk / 10)]. Gap 1 runs from the moment the
 *       firmware learnt of the loss (the chip's link down or the PHY's, both
 *       delivered to it as callbacks, or the first status poll that saw it,
 *       or its own leave or power-down; the loss itself when none came first)
 *       to the first join. Gap k > 1 runs from the moment the rig reported
 *       join k-1 as failed (that join's error return, or the first status
 *       poll after it returning FAIL, NONET, BADAUTH or DOWN) to join k; the
 *       slack is the firmware's poll period. When the rig never failed join
 *       k-1 (the chip associated but no address came, and the firmware gave
 *       up on its own clock, which the rig cannot see), gap k runs from the
 *       last status change before join k and only the lower bound applies.
 *   power_cycles: n | {min, max}   chip (or Ethernet) power-downs followed by
 *       a power-up: wifi_set_up(0) then wifi_set_up(1), both returning OK.
 *   drop_detected_within: D after: N   the firmware's first reaction after
 *       the start of entry N, within D of it: a leave, a join, a power-down,
 *       or a status poll that saw the loss (returned something else than the
 *       connected value).
 *   recovery_within: D after: N   the sink receives data again within D of
 *       the end of entry N: the first delivery after the outage in progress
 *       at the start of entry N, or after the first loss that follows it
 *       (0 when it came before the end; the firmware's own word that it
 *       recovered is never enough: a stale link "recovers" at once).
 *   bytes_delivered_min: n   the sink received at least n bytes in all.
 *   uploads_min: n           the sink received at least n uploads.
 *   delivery_gap_max: D [after: N]   no silence at the sink longer than D,
 *       from the first delivery (from the end of entry N) to the end of the
 *       run: between one delivery's last byte and the next's first, and
 *       from the last one to the end.
 *   marker: NAME [min: a] [max: b] [after: N] [within: D]   the number of
 *       markers NAME the firmware emitted (hal_marker: event "marker" with
 *       name and value) after the end of entry N (the start of the run),
 *       within D of it when given, is in [a, b] (min 1 when neither is
 *       given).
 *   max_outage: D [exclude: [ENTRY, ...]] [grace: G]   no silence at the
 *       sink, from the first delivery to the end of the run (as
 *       delivery_gap_max measures them), is longer than D once the excluded
 *       windows are cut out of it: the longest stretch of silence that lies
 *       outside every window counts. Each ENTRY (an id, a number, or ID#K
 *       for one occurrence) excludes the window [start, end + G] of each of
 *       its occurrences (G is 0 unless given), ends as defined above (an
 *       ap_off's window is [start, start + G]). Without exclude, every
 *       silence counts. A sink that never received anything fails.
 *   status_never: S   no Wi-Fi status poll (tcpip_link_status or
 *       wifi_link_status) in the whole run returned S.
 *   associated_with: AP [at: T | after: ENTRY] [within: D]   the device was
 *       associated with AP — from the AP's authorization of the device's MAC
 *       after the 4-way handshake until another AP authorizes it (a roam)
 *       or the next loss that ends the association (the chip's link down, a
 *       deauthentication by that AP, that AP switched off, a wedge, the
 *       firmware's leave or power-down) — at time
 *       T (at the end of entry ENTRY, each occurrence; at the end of the run
 *       when neither is given), or at some moment in [T, T + D] with within.
 *   drops: n | {min, max}   the number of losses (see above) the rig saw.
 *   connections: n | {min, max}   the number of TCP connections the device
 *       opened to the rig's sink (each accepted connection counts once).
 *   console_line: TEXT [after: N] [within: D]   the device printed on its
 *       serial console (trace "<device>.console", event "out") a line that
 *       contains TEXT, at or after the start of the run (the end of entry
 *       N), within D of it when given. Like marker, this is what the
 *       firmware says by definition: it judges the firmware's reports (a
 *       failure reported as a success), never the link.
 *   client_joined: C [within: D] [never: true]   client C's radio completed a
 *       join (associated, and keyed on WPA2: its link_up), by D from the
 *       start; never: it never did.
 *   client_got_address: C [within: D] [never: true]   C's stack got an
 *       address by DHCP (its image's client_address report; the client image
 *       is the rig's own code, so its reports are the rig's records).
 *   client_fetched: C [status: S (200)] [contains: TEXT] [within: D]
 *       [never: true]   C's fetch of its url got an answer with status S
 *       whose body holds TEXT (a tcp:// url: the connection opened). Only
 *       the first fetch counts: a client fetches once.
 *   client_deauthed: C [reason: R] [within: D]   C's radio received a
 *       Deauthentication (from the AP it was joining or joined), with reason
 *       R when given, by D from the start.
 *
 * The summary (runner_print_summary) lists each drop — a loss — with its
 * time, the timeline occurrence that had started last before it (by id, or
 * "entry N"; "#K" when the entry repeats), the loss's cause, how soon the
 * firmware reacted, and its down time: from the loss to the first delivery
 * that began after it ("not recovered by the end of the run" when none came;
 * such a drop counts to the end of the run in the totals). The totals give
 * the number of drops, the longest and median down time, and the
 * availability: the share of the run, from the first delivery to its end,
 * that lies outside every drop's down time (0 when nothing was delivered).
 * These figures are a device's: with several devices (clients aside) the
 * summary gives each device's under its name (its own drops, joins and
 * deliveries at the sink), as do result.jsonl (a "device" line each), the
 * JUnit properties (summary.<device>) and the HTML report (a row each);
 * the first 16 devices are summarised.
 *
 * The parsed scenario is plain data, read-only for the runner. */
#ifndef LINKRIG_SIM_SCENARIO_H
#define LINKRIG_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"
#include "sim/err.h"

#define SCN_MAX_APS 8
#define SCN_MAX_BACKOFF 16
#define SCN_MAX_FAULTS 256
#define SCN_MAX_EXPECT 64
#define SCN_MAX_DEVICES 128
#define SCN_MAX_FORWARDS 8
#define SCN_MAX_DEVICE_SETTINGS 16
#define SCN_MAX_SERVICES 16
#define SCN_MAX_DNS_NAMES 32
#define SCN_MAX_GREETER_RULES 16
/* What a whole timeline may expand to with every: (24 h at one a second
 * fits); the verdict keeps a start and an end for each. */
#define SCN_MAX_OCCURRENCES 100000
#define SCN_MAX_EXCLUDE 16
/* A console line (console:, console_line:, the live console's `console`):
 * at most SCN_CONSOLE_LINE - 1 bytes. */
#define SCN_CONSOLE_LINE 256

typedef struct scn_pos {
    double x, y, z;
} scn_pos;

/* world.aps[].security */
enum { SCN_SEC_DEFAULT, SCN_SEC_OPEN, SCN_SEC_WPA2, SCN_SEC_WPA3, SCN_SEC_WPA3_TRANSITION, SCN_SEC_WPA2_ENTERPRISE };
/* radius.server_cert */
enum { SCN_CERT_OK, SCN_CERT_EXPIRED, SCN_CERT_UNTRUSTED };
#define SCN_MAX_RADIUS_USERS 16
#define SCN_MAX_CLIENT_CERTS 8

/* The FreeRADIUS server of a wpa2-enterprise AP (world.aps[].radius). */
typedef struct scn_radius {
    char secret[64];      /* ("linkrig") the AP's RADIUS shared secret */
    sim_time latency;     /* (2ms) virtual time each RADIUS reply takes */
    int server_cert;      /* SCN_CERT_* */
    struct {
        char name[64], password[64];
    } users[SCN_MAX_RADIUS_USERS];
    int nusers;
    struct {
        char cn[64];
        bool revoked;
    } client_certs[SCN_MAX_CLIENT_CERTS];
    int nclient_certs;
} scn_radius;

typedef struct scn_ap {
    char name[32];
    char ssid[33];
    char passphrase[64]; /* "" = open */
    int security;        /* SCN_SEC_* (DEFAULT: wpa2 with a passphrase, else open) */
    scn_radius radius;   /* security wpa2-enterprise */
    int channel;
    scn_pos pos;
    double tx_power_dbm;
    sim_time lease;       /* 0 = default (1 h) */
    uint32_t pool_start, pool_end; /* host order; 0 = default */
    int max_stations;     /* associated stations (16) */
    bool hidden;          /* empty SSID in beacons */
    sim_time gtk_rekey;   /* 0 = never */
    int network;          /* index into networks; -1 = its own network (dhcp: above) */
    int dtim_period;      /* beacons per DTIM (2) */
    sim_time max_inactivity; /* ageing: poll, then disassociate reason 4 (5m); 0 = never */
    int line;             /* where it was declared, for later messages */
} scn_ap;

/* A network several APs share (world.networks): a LAN with its router and
 * one DHCP server. Addresses in host order. */
typedef struct scn_network {
    char name[32];
    uint32_t pool_start, pool_end;
    uint32_t netmask;
    uint32_t router;
    sim_time lease;
    int line;
} scn_network;

/* A device: world.device (one, named "cam") or an entry of world.devices. */
typedef struct scn_device {
    char name[32];
    scn_pos pos;
    double tx_power_dbm;
    uint32_t pm;          /* the chip's power management, a cyw43 pm value (0: none) */
    bool lan;
    char firmware[512];   /* an image path, relative to the scenario's folder
                           * resolved here ("" = --firmware or the bundled camera) */
    struct {
        char key[64];
        char value[128];
    } settings[SCN_MAX_DEVICE_SETTINGS]; /* this device's own, after `firmware:`'s */
    int nsettings;
    bool client;          /* a client station (clients:), running the rig's client image */
    int line;
} scn_device;

typedef enum {
    SCN_F_AP_REBOOT,
    SCN_F_AP_OFF,
    SCN_F_AP_ON,
    SCN_F_AP_PASSPHRASE,
    SCN_F_AP_TX_POWER,
    SCN_F_MOVE_DEVICE,
    SCN_F_DHCP,
    SCN_F_RADIO_WEDGE,
    SCN_F_CABLE_PULL,
    SCN_F_SERVICE,
    SCN_F_AP_DEAUTH,
    SCN_F_AP_DISASSOC,
    SCN_F_AP_REFUSE,
    SCN_F_GROUP_KEY_MISS,
    SCN_F_CABLE_MOVE,
    SCN_F_RADIUS_DOWN,    /* an Enterprise AP's RADIUS server unreachable */
    SCN_F_RADIUS_SLOW,    /* its replies take `delay` of virtual time */
    SCN_F_SPOOFED_DEAUTH, /* an unprotected Deauthentication forged with the AP's address */
    SCN_F_SAE_ANTI_CLOGGING, /* every SAE Commit must carry an anti-clogging token */
    SCN_F_DOWNGRADE,      /* a WPA2-only twin of a transition network replaces it */
    SCN_F_RADIUS_SERVER_CERT, /* an Enterprise AP's server presents another certificate */
    SCN_F_RADIUS_REVOKE,  /* its CRL lists a client certificate (or no longer does) */
    SCN_F_RADIUS_USER,    /* its user's password changes, or the user is removed */
    SCN_F_CONSOLE,        /* not a fault: a line written to a device's console (console: TEXT) */
} scn_fault_kind;

typedef enum { SCN_DHCP_NORMAL, SCN_DHCP_IGNORE_RENEWALS, SCN_DHCP_NAK_RENEWALS, SCN_DHCP_SILENT, SCN_DHCP_EMPTY_POOL } scn_dhcp_mode;
typedef enum { SCN_WEDGE_COMMANDS, SCN_WEDGE_FRAMES, SCN_WEDGE_BOTH } scn_wedge_mode;

/* services: (the order is uplink_service_kind's and uplink_service_mode's) */
typedef enum { SCN_S_SINK, SCN_S_TCP_ECHO, SCN_S_TCP_GREETER, SCN_S_UDP_ECHO, SCN_S_DNS, SCN_S_NTP } scn_service_kind;
typedef enum { SCN_SVC_NORMAL, SCN_SVC_DOWN, SCN_SVC_SLOW, SCN_SVC_WRONG } scn_service_mode;

typedef struct scn_service {
    char name[32];
    scn_service_kind kind;
    uint32_t ip;          /* host order */
    uint16_t port;
    char greeting[256];   /* tcp_greeter */
    struct {
        char expect[256];
        char reply[256];
    } rules[SCN_MAX_GREETER_RULES];
    int nrules;
    struct {
        char name[254];
        uint32_t ip;
    } names[SCN_MAX_DNS_NAMES]; /* dns */
    int nnames;
    int64_t epoch_s;      /* ntp: Unix seconds at virtual time 0 */
    bool implicit;        /* the default sink, added when the file declares none */
    int line;
} scn_service;

typedef struct scn_fault {
    sim_time at;
    scn_fault_kind kind;
    int ap;               /* index into world.aps, -1 when not applicable */
    sim_time duration;    /* ap_reboot, cable_pull */
    bool keep_leases;     /* ap_reboot */
    int channel;          /* ap_reboot: 0 = same */
    char passphrase[64];  /* ap_passphrase ("" = open) */
    double tx_power_dbm;  /* ap_tx_power */
    scn_pos to;           /* move_device */
    double speed;         /* move_device: m/s, 0 = jump, else 0.001..1000 */
    scn_dhcp_mode dhcp_mode;
    sim_time lease;       /* dhcp: 0 = unchanged */
    bool has_pool;        /* dhcp, cable_move: move the pool */
    uint32_t pool_start, pool_end, netmask;
    uint32_t router;      /* dhcp, cable_move: 0 = keep the server's (checked to fit at parse time) */
    uint32_t server_ip;   /* dhcp, cable_move: the server's own address there; 0 = keep */
    int pool_line, pool_col; /* where the pool was written */
    bool lan;             /* dhcp: the wired segment's server (instead of an AP's) */
    uint16_t code;        /* ap_deauth, ap_disassoc: reason code; ap_refuse: status code */
    uint32_t comeback_tu; /* ap_refuse with status 30: association comeback time, TUs */
    sim_time pause;       /* cable_move: how long the cable is out */
    scn_wedge_mode wedge_mode;
    int survives_power_cycles;
    int device;           /* move_device, radio_wedge, cable_pull: index, -1 = every device */
    char console[SCN_CONSOLE_LINE]; /* console: the line (without its end) */
    int service;          /* service: index into services */
    scn_service_mode service_mode;
    sim_time delay;       /* service, mode slow */
    int server_cert;      /* radius_server_cert: SCN_CERT_* */
    char cn[64];          /* radius_revoke: a radius.client_certs CN */
    bool revoked;         /* radius_revoke: (true) in the CRL; false takes it out */
    char user[64];        /* radius_user: a radius.users name */
    char password[64];    /* radius_user: the server's new password for it */
    bool removed;         /* radius_user: the server no longer knows the user */
    int line;             /* the entry's line in the file */
    /* Any entry: its name and how it repeats (the timeline above). */
    char id[32];          /* "" = none */
    sim_time every;       /* 0 = once */
    sim_time jitter;      /* each occurrence delayed by [0, jitter] */
    long long count;      /* occurrences due (1 without every; from until: or count:) */
} scn_fault;

typedef enum {
    SCN_E_LINK_UP_WITHIN,
    SCN_E_STATUS_REACHES,
    SCN_E_CONNECT_TIMEOUT_REPORTED,
    SCN_E_RECONNECT_SPACING,
    SCN_E_POWER_CYCLES,
    SCN_E_RECOVERY_WITHIN,
    SCN_E_DROP_DETECTED_WITHIN,
    SCN_E_BYTES_DELIVERED_MIN,
    SCN_E_UPLOADS_MIN,
    SCN_E_DELIVERY_GAP_MAX,
    SCN_E_MARKER,
    SCN_E_MAX_OUTAGE,
    SCN_E_STATUS_NEVER,
    SCN_E_ASSOCIATED_WITH,
    SCN_E_DROPS,
    SCN_E_CONNECTIONS,
    SCN_E_CONSOLE_LINE,
    SCN_E_CLIENT_JOINED,
    SCN_E_CLIENT_GOT_ADDRESS,
    SCN_E_CLIENT_FETCHED,
    SCN_E_CLIENT_DEAUTHED,
} scn_expect_kind;

/* A reference to timeline occurrences: entry (index), occ 0 = each of its
 * occurrences, k >= 1 = occurrence k only. */
typedef struct scn_ref {
    int entry, occ;
} scn_ref;

typedef struct scn_expect {
    scn_expect_kind kind;
    sim_time within;      /* *_within, delivery_gap_max, marker's within (0: none) */
    int after;            /* timeline entry index, -1 = from the start */
    int status;           /* status_reaches: STAT_* value (MicroPython's) */
    sim_time spacing[SCN_MAX_BACKOFF]; /* reconnect_spacing */
    int nspacing;
    long long min, max;   /* power_cycles, *_min, marker: bounds (inclusive) */
    bool flag;            /* connect_timeout_reported */
    int device;           /* device: index; -1 = judged for each device */
    char marker[32];      /* marker: its name */
    char console[SCN_CONSOLE_LINE]; /* console_line: the text a line must contain */
    char text[96];        /* how the file wrote it, for names and messages */
    int line;
    int after_occ;        /* with after: 0 = each occurrence of the entry, k >= 1 = occurrence k */
    int ap;               /* associated_with: index into world.aps */
    sim_time at;          /* associated_with: -1 = not given */
    scn_ref exclude[SCN_MAX_EXCLUDE]; /* max_outage */
    int nexclude;
    sim_time grace;       /* max_outage: added to each excluded window's end */
    bool never;           /* client_*: it must not happen */
    char contains[96];    /* client_fetched: text the body must hold ("" = any) */
    int reason;           /* client_deauthed: reason code, -1 = any */
} scn_expect;

/* The sweep: section (linkrig sweep draws schedules from it; sim/sweep.h). */
#define SCN_MAX_SWEEP_FAULTS 16
#define SCN_MAX_SWEEP_COUNT 64
#define SCN_MAX_CHOICES 13

typedef struct scn_sweep_fault {
    scn_fault_kind kind;
    int aps[SCN_MAX_APS];  /* choices; naps 0 = every AP */
    int naps;
    int device;            /* -1 = every device */
    bool has_duration;     /* else the sweep's duration */
    sim_time dur_min, dur_max;
    int keep_leases;       /* bit 0: false may be drawn, bit 1: true (default: false only) */
    int channels[SCN_MAX_CHOICES]; /* ap_reboot: choices, 0 = same; nchannels 0 = same */
    int nchannels;
    int modes[SCN_MAX_CHOICES];    /* dhcp (scn_dhcp_mode), radio_wedge (scn_wedge_mode) */
    int nmodes;
    int spc_min, spc_max;  /* radio_wedge: survives_power_cycles */
    double txp_min, txp_max; /* ap_tx_power: dBm */
    sim_time lease_min, lease_max; /* dhcp: 0 = unchanged */
    int line;
} scn_sweep_fault;

typedef struct scn_sweep {
    bool present;
    scn_sweep_fault faults[SCN_MAX_SWEEP_FAULTS];
    int nfaults;
    int count_min, count_max;
    bool has_duration;
    sim_time dur_min, dur_max;
    sim_time gap_min, gap_max;
    sim_time window_start, window_end;
    int line;
} scn_sweep;

typedef struct scenario {
    char path[512];
    char name[64];
    char description[256];
    uint64_t seed;
    sim_time duration;
    uint32_t snaplen;
    uint32_t ring_mb;
    int ring_files;
    bool capture_beacons;
    bool capture_air, capture_wire; /* capture.air / capture.wire (true) */
    bool has_monitor;     /* capture.monitor given */
    scn_pos monitor;
    scn_ap aps[SCN_MAX_APS];
    int naps;
    scn_network networks[SCN_MAX_APS];
    int nnetworks;
    char forwards[SCN_MAX_FORWARDS][80]; /* port forwards, QEMU hostfwd syntax */
    int nforwards;
    scn_device devices[SCN_MAX_DEVICES];
    int ndevices;         /* >= 1 */
    /* firmware settings */
    char fw_ssid[33];
    char fw_key[64];
    bool fw_key_set;      /* key given explicitly (may be "") */
    char fw_security[16]; /* [wlan.security] "" = the image's default */
    char fw_eap_method[8]; /* [wlan.eap.method] "" = not Enterprise */
    char fw_eap_identity[128], fw_eap_anonymous[128], fw_eap_password[128];
    bool fw_eap_ca;       /* (true) give the device the RADIUS server's CA [wlan.eap.ca_cert] */
    char fw_eap_client_cert[64]; /* CN of a radius.client_certs entry [wlan.eap.client_cert/_key] */
    sim_time connect_timeout, attempt_timeout;
    sim_time backoff[SCN_MAX_BACKOFF];
    int nbackoff;
    bool power_cycle;
    sim_time frame_period;
    uint32_t frame_bytes;
    scn_service services[SCN_MAX_SERVICES]; /* always holds exactly one sink */
    int nservices;
    scn_fault faults[SCN_MAX_FAULTS];
    int nfaults;
    scn_expect expects[SCN_MAX_EXPECT];
    int nexpects;
    scn_sweep sweep;
    /* "file:line:col: message" about the first device whose firmware:
     * image cannot be read, "" when every named image can. Not a parse
     * error (--firmware may name the image instead), but a run without
     * --firmware refuses with it (exit 2) rather than run another image. */
    char firmware_missing[1200];
} scenario;

/* Reads and validates path. On error returns NULL and err->msg is
 * "path:line:col: message" (the first error found). */
scenario *scn_load(const char *path, sim_err *err);
/* The same, from text already in memory (path names it in messages). */
scenario *scn_parse(const char *path, const char *text, size_t len, sim_err *err);
void scn_free(scenario *s);

const char *scn_fault_name(scn_fault_kind k);
/* The pool AP i's own network hands out (its dhcp.pool, else the default
 * of sim/world.h: .15-.99 of 10.0.2.0/24 for AP 0, of 10.0.(2+i).0/24 for
 * AP i); meaningless for an AP on a shared network. Host order. */
void scn_ap_pool(const scenario *s, int i, uint32_t *start, uint32_t *end);
/* IEEE 802.11 reason codes (9.4.1.7) and status codes (9.4.1.9) by the
 * names hostapd gives them (lower case, WLAN_REASON_ / WLAN_STATUS_ cut)
 * or a short alias; -1 when unknown. */
int scn_reason_value(const char *name);
int scn_status_code_value(const char *name);
const char *scn_expect_name(scn_expect_kind k);
/* Value checks shared by the scenario parser and the live console (one
 * validator per kind of value, so that both refuse the same values with the
 * same words). shown is the value as messages quote it. Each returns 0 (and
 * the value), or -1 with a message, without a file position, in msg. */
int scn_value_number(const char *text, const char *shown, double min, double max, const char *unit, double *out,
                     char *msg, size_t cap);
int scn_value_duration(const char *text, size_t len, const char *shown, sim_time min, const char *allowed,
                       sim_time *out, char *msg, size_t cap);
int scn_value_passphrase(const char *text, size_t len, char *msg, size_t cap);
int scn_value_console_line(const char *text, size_t len, char *msg, size_t cap);
/* The ranges the file's keys take, for the console's checks. */
#define SCN_TX_POWER_MIN (-10.0)
#define SCN_TX_POWER_MAX 30.0
#define SCN_POS_MAX 100000.0
#define SCN_SPEED_MAX 1000.0

/* MicroPython status names <-> values: "GOT_IP" <-> 3 etc.; -100 if unknown. */
int scn_status_value(const char *name);
const char *scn_status_name(int value);

#endif
