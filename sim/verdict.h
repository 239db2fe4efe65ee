/* sim/verdict.h — what the rig saw of one device, and the expectations
 * judged from it.
 *
 * A verdict is a trace sink: it reads the events of the rig's own parts —
 * the device's driver calls ("chip" and "eth" events under the device's
 * component, firmware_shim/chip_driver.c and eth_driver.c), the chip model
 * (radio), the APs, the DHCP servers, the Ethernet PHY and the uplink's sink
 * — and never the firmware's own words, except its markers (hal_marker),
 * which the marker expectation is about by definition. scenario.h defines
 * every expectation in these terms; this file implements the definitions.
 *
 * Device names. The rig's observations of device D use component D; the
 * firmware's own events use "D.fw" (VERDICT_FW_COMP below). */
#ifndef LINKRIG_SIM_VERDICT_H
#define LINKRIG_SIM_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/trace.h"

#define VERDICT_MAX_DHCP 9
#define VERDICT_MAX_MACS 2
#define VERDICT_MAX_IPS 16

typedef struct verdict_config {
    const char *dev;      /* the device: its board's trace component */
    const char *radio;    /* the chip model's component */
    const char *phy;      /* the Ethernet PHY's component, NULL: none */
    const char *uplink;   /* the uplink's component */
    uint32_t sink_ip;     /* the sink the device uploads to */
    uint16_t sink_port;
    const char *aps[SCN_MAX_APS]; /* the APs' components */
    int naps;
    const char *dhcp[VERDICT_MAX_DHCP]; /* the DHCP servers' components */
    int ndhcp;
    uint8_t macs[VERDICT_MAX_MACS][6]; /* the device's MAC addresses */
    int nmacs;
    /* The world has this one device: every upload to the sink is its own.
     * Otherwise an upload is the device's when it comes from an address a
     * DHCP server leased to one of its MACs. */
    bool only_device;
} verdict_config;

typedef struct verdict verdict;

/* One occurrence of a timeline entry as it happened (scenario.h, "The
 * timeline"): entry is its index (console faults follow the scenario's
 * entries), k counts from 1. */
typedef struct verdict_occ {
    int entry;
    int k;
    sim_time start, end;
} verdict_occ;

/* Where the timeline's entries started and ended, the run's end, and the
 * settings the scenario gave the firmware that a definition refers to. */
typedef struct verdict_refs {
    const sim_time *start, *end; /* per timeline entry (a repeating one: its first occurrence) */
    int nfaults;
    sim_time run_end;
    const scenario *s;
    /* Every occurrence that started, in start order. NULL: each entry
     * happened once, at start[i]..end[i] (a run without repeats). */
    const verdict_occ *occ;
    size_t nocc;
} verdict_refs;

verdict *verdict_create(const verdict_config *c);
void verdict_free(verdict *v);
/* The trace sink (sim_trace_add_sink(tr, verdict_observe, v)). */
void verdict_observe(void *ctx, const sim_trace_event *ev);
/* What verdict_observe does with events of component comp: 2 it may act on
 * them as the device's own (its board, firmware, console, radio, PHY), 1 it
 * may act on them as a shared part's (the uplink, a DHCP server, an AP),
 * 0 it ignores them all. For sim/verdict_route.h. */
int verdict_interest(const verdict *v, const char *comp);
/* Also for sim/verdict_route.h: the shared parts' events (the uplink's
 * sink, the DHCP servers', the APs'), which every verdict watches and most
 * are about one station, named by its MAC address. The gate of comp for v
 * (verdict_gate_of) says which field of an event names it
 * (verdict_gate_field; NULL: this event may concern any device): when that
 * field (the first so named) is not empty and is none of the device's
 * (verdict_has_mac), verdict_observe does nothing with the event but what
 * verdict_advance does. VERDICT_GATE_NONE: comp is one of the device's own,
 * none it watches, or the uplink of the world's only device, whose verdict
 * takes every upload. */
typedef enum verdict_gate {
    VERDICT_GATE_NONE,
    VERDICT_GATE_UPLINK,
    VERDICT_GATE_DHCP,
    VERDICT_GATE_AP,
} verdict_gate;
verdict_gate verdict_gate_of(const verdict *v, const char *comp);
const char *verdict_gate_field(verdict_gate g, const char *event);
/* mac as the trace writes it (aa:bb:cc:dd:ee:ff) is one of the device's. */
bool verdict_has_mac(const verdict *v, const char *mac);
/* verdict_observe's bookkeeping of an event at t that it does not act on. */
void verdict_advance(verdict *v, sim_time t);

/* t will be a reference time of the checks: the start or end of a timeline
 * entry's occurrence, or the end of a window max_outage excludes. Told at
 * or before t (the verdict keeps the uploads in bounded memory, cut at
 * these times; sim/upload_log.h). A check from a time it was not told of
 * fails and says so. */
void verdict_reference(verdict *v, sim_time t);

void verdict_check(const verdict *v, const scn_expect *e, const verdict_refs *refs, runner_check *out);
/* The recovery metrics of the summary. */
void verdict_metrics(const verdict *v, const verdict_refs *refs, runner_result *out);
/* For the live console's status line. */
typedef struct verdict_now {
    bool online;
    long long joins, power_cycles, uploads, bytes;
} verdict_now;
void verdict_get_now(const verdict *v, verdict_now *out);

/* The device's online spans (associated and leased, scenario.h): the i-th
 * from .. to (-1: still online); false past the last. For the result file
 * a report draws the link state from. */
bool verdict_online_span(const verdict *v, size_t i, sim_time *from, sim_time *to);

/* Times as every verdict message shows them: rounded to the millisecond. */
char *verdict_fmt_time(sim_time t, char *buf, size_t len);

#endif
