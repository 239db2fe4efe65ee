/* sim/verdict_route.h — one trace sink for the verdicts of every device.
 *
 * Each device's verdict reads only its own device's components and the
 * shared parts' (uplink, DHCP servers, APs), so handing every event to every
 * verdict costs O(devices) per event, and the events grow with the devices:
 * O(devices^2) per virtual second. The route learns, the first time it sees
 * a component, which verdicts care about it (verdict_interest) and from then
 * on hands its events to those alone, in device order: each verdict sees
 * exactly the events it would see as a sink of its own, in the same order.
 * The shared parts' events (the uplink's sink, the DHCP servers', the
 * APs') are every verdict's, and most name the MAC address of the station
 * they are about: the verdicts of other devices would only keep time with
 * them (verdict_gate_of, verdict_gate_field), so they get verdict_advance
 * instead of verdict_observe, which compares names and fields (O(devices)
 * string work per such event otherwise, and such events grow with the
 * devices). */
#ifndef LINKRIG_SIM_VERDICT_ROUTE_H
#define LINKRIG_SIM_VERDICT_ROUTE_H

#include "sim/trace.h"
#include "sim/verdict.h"

typedef struct verdict_route verdict_route;

/* v[0..n-1] are borrowed and must outlive the route. NULL: out of memory. */
verdict_route *verdict_route_create(verdict *const *v, int n);
void verdict_route_free(verdict_route *r);
/* The trace sink (sim_trace_add_sink(tr, verdict_route_observe, r)). */
void verdict_route_observe(void *ctx, const sim_trace_event *ev);

#endif
