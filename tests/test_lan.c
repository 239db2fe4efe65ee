/* The wired port, end to end: the MAC/PHY model on its own (negotiation
 * time, cable, latency, padding, address filter, drops), then the camera's
 * real lwIP on the LAN segment through the Ethernet driver API, the netif
 * glue and the network API's LAN half: DHCP from the segment's own server,
 * a ping to the gateway through libslirp, a pulled and replugged cable
 * (INIT-REBOOT), a power cycle, a board without a port. Firmware pieces use
 * only the HAL, eth_chip.h/eth_netif.h, network.h and lwIP.
 *
 * lwIP keeps global state, so every device boot runs in a child process; the
 * child records what happened in shared memory and the parent asserts. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "eth_chip.h"
#include "eth_netif.h"
#include "firmware/network.h"
#include "hal.h"
#include "lwip/etharp.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/raw.h"
#include "sim/capture.h"
#include "sim/ethphy.h"
#include "sim/world.h"

#define OUT LINKRIG_BUILD_DIR "/test-out/"
#define MAXN 32

static const uint8_t PHY_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0xe0, 0x01};
#define LAN_IP 0x0a000296u /* 10.0.2.150, the LAN pool's first */

/* ===================================================================== */
/* The MAC/PHY model alone (no board, no lwIP: no child process needed). */

struct phy_obs {
    sim *s;
    ethphy *p;
    int ups, downs, rx;
    sim_time up_at[4], down_at[4], rx_at[8];
    size_t rx_len[8];
    int wire;
    sim_time wire_at[8];
    size_t wire_len[8];
    uint8_t wire_last[ETHPHY_MAX_FRAME];
    int in_call; /* set around rig calls: callbacks must not come from inside */
    int cb_inside;
};

static void po_up(void *ctx)
{
    struct phy_obs *o = ctx;
    o->cb_inside |= o->in_call;
    if (o->ups < 4)
        o->up_at[o->ups] = sim_now(o->s);
    o->ups++;
}

static void po_down(void *ctx)
{
    struct phy_obs *o = ctx;
    o->cb_inside |= o->in_call;
    if (o->downs < 4)
        o->down_at[o->downs] = sim_now(o->s);
    o->downs++;
}

static void po_rx(void *ctx, const uint8_t *eth, size_t len)
{
    struct phy_obs *o = ctx;
    (void)eth;
    o->cb_inside |= o->in_call;
    if (o->rx < 8) {
        o->rx_at[o->rx] = sim_now(o->s);
        o->rx_len[o->rx] = len;
    }
    o->rx++;
}

static void po_wire(void *ctx, const uint8_t *eth, size_t len)
{
    struct phy_obs *o = ctx;
    if (o->wire < 8) {
        o->wire_at[o->wire] = sim_now(o->s);
        o->wire_len[o->wire] = len;
    }
    memcpy(o->wire_last, eth, len);
    o->wire++;
}

static size_t arp_frame(uint8_t *f, const uint8_t dst[6])
{
    static const uint8_t gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
    memset(f, 0, 42);
    memcpy(f, dst, 6);
    memcpy(f + 6, gw_mac, 6);
    static const uint8_t arp_req[8] = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
    static const uint8_t sender_ip[4] = {10, 0, 2, 2}, target_ip[4] = {10, 0, 2, 77};
    f[12] = 0x08;
    f[13] = 0x06;
    memcpy(f + 14, arp_req, 8);
    memcpy(f + 22, gw_mac, 6);
    memcpy(f + 28, sender_ip, 4);
    memcpy(f + 38, target_ip, 4);
    return 42;
}

static void run_to(sim *s, sim_time t)
{
    sim_run_until(s, t);
}

static void test_phy_model(void **state)
{
    (void)state;
    sim_err err = {0};
    sim *s = sim_create(&(sim_config){.seed = 1}, &err);
    assert_non_null(s);
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);

    /* bad configurations are refused with a message */
    ethphy_config bad;
    ethphy_config_default(&bad);
    bad.negotiation_ms = -1;
    assert_null(ethphy_create(s, &bad, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "negotiation"));
    ethphy_config_default(&bad);
    bad.mac[0] = 0x01;
    assert_null(ethphy_create(s, &bad, NULL, NULL, &err));

    struct phy_obs o = {.s = s};
    ethphy *p = ethphy_create(s, NULL, po_wire, &o, &err);
    assert_non_null(p);
    o.p = p;
    ethphy_host_ops ops = {.ctx = &o, .rx = po_rx, .link_up = po_up, .link_down = po_down};
    ethphy_set_host(p, &ops);
    uint8_t mac[6];
    ethphy_get_mac(p, mac);
    assert_memory_equal(mac, PHY_MAC, 6);

    /* powered down: nothing goes out, nothing comes in */
    uint8_t f[ETHPHY_MAX_FRAME + 1];
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t n = arp_frame(f, bcast);
    assert_int_equal(ethphy_link_state(p), ETHPHY_LINK_DOWN);
    assert_int_equal(ethphy_send(p, f, n), ETHPHY_EPERM);

    /* power-on with the cable in: link after the negotiation time, exactly */
    o.in_call = 1;
    assert_int_equal(ethphy_power(p, true), ETHPHY_OK);
    o.in_call = 0;
    assert_int_equal(ethphy_link_state(p), ETHPHY_LINK_NEGOTIATING);
    assert_int_equal(ethphy_send(p, f, n), ETHPHY_ENOLINK); /* lost while negotiating */
    run_to(s, SIM_MS(1499));
    assert_int_equal(o.ups, 0);
    run_to(s, SIM_MS(1500));
    assert_int_equal(o.ups, 1);
    assert_int_equal(o.up_at[0], SIM_MS(1500));
    assert_int_equal(ethphy_link_state(p), ETHPHY_LINK_UP);

    /* a short frame is padded to 60 bytes and reaches the wire 10 us later */
    assert_int_equal(ethphy_send(p, f, n), ETHPHY_OK);
    assert_int_equal(o.wire, 0);
    run_to(s, SIM_MS(1500) + SIM_US(10));
    assert_int_equal(o.wire, 1);
    assert_int_equal(o.wire_at[0], SIM_MS(1500) + SIM_US(10));
    assert_int_equal(o.wire_len[0], ETHPHY_MIN_FRAME);
    assert_memory_equal(o.wire_last, f, n);
    for (size_t i = n; i < ETHPHY_MIN_FRAME; i++)
        assert_int_equal(o.wire_last[i], 0);
    assert_int_equal(ethphy_send(p, f, 13), ETHPHY_EINVAL);
    assert_int_equal(ethphy_send(p, f, ETHPHY_MAX_FRAME + 1), ETHPHY_EINVAL);

    /* from the wire: own MAC and broadcast pass, another unicast is filtered,
     * runts and giants are bad; frames arrive after the latency */
    sim_time t0 = SIM_MS(1600);
    run_to(s, t0);
    ethphy_wire_input(p, f, n); /* broadcast */
    n = arp_frame(f, PHY_MAC);
    ethphy_wire_input(p, f, n);
    static const uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    n = arp_frame(f, other);
    ethphy_wire_input(p, f, n);
    ethphy_wire_input(p, f, 10);
    memset(f, 0xff, sizeof f);
    ethphy_wire_input(p, f, ETHPHY_MAX_FRAME + 1);
    assert_int_equal(o.rx, 0);
    run_to(s, t0 + SIM_US(10));
    assert_int_equal(o.rx, 2);
    assert_int_equal(o.rx_at[0], t0 + SIM_US(10));
    assert_int_equal(o.rx_len[0], 42); /* what arrives is not padded by the receiving MAC */
    ethphy_stats st;
    ethphy_get_stats(p, &st);
    assert_int_equal(st.rx_frames, 2);
    assert_int_equal(st.rx_filtered, 1);
    assert_int_equal(st.rx_bad, 2);
    assert_int_equal(st.tx_frames, 1);
    assert_int_equal(st.tx_dropped, 1); /* the one sent while negotiating; EINVAL is a refusal, not a drop */

    /* cable pulled with frames in flight both ways: the link is down at
     * once, link_down comes from an event at the same instant, and the
     * frames are lost */
    t0 = SIM_MS(2000);
    run_to(s, t0);
    n = arp_frame(f, bcast);
    assert_int_equal(ethphy_send(p, f, n), ETHPHY_OK);
    ethphy_wire_input(p, f, n);
    o.in_call = 1;
    ethphy_set_cable(p, false);
    o.in_call = 0;
    assert_int_equal(ethphy_link_state(p), ETHPHY_LINK_DOWN);
    assert_false(ethphy_cable(p));
    assert_int_equal(o.downs, 0); /* not from inside the call */
    run_to(s, t0);
    assert_int_equal(o.downs, 1);
    assert_int_equal(o.down_at[0], t0);
    run_to(s, t0 + SIM_MS(1));
    assert_int_equal(o.wire, 1);
    assert_int_equal(o.rx, 2);
    ethphy_get_stats(p, &st);
    assert_int_equal(st.tx_dropped, 2);
    assert_int_equal(st.rx_dropped, 1);
    /* while out: sends are refused and arrivals dropped, all counted */
    assert_int_equal(ethphy_send(p, f, n), ETHPHY_ENOLINK);
    ethphy_wire_input(p, f, n);
    ethphy_get_stats(p, &st);
    assert_int_equal(st.tx_dropped, 3);
    assert_int_equal(st.rx_dropped, 2);

    /* plugged back at 3 s, pulled during negotiation at 4 s, plugged at 5 s:
     * negotiation restarts, link at 6.5 s */
    run_to(s, SIM_SEC(3));
    ethphy_set_cable(p, true);
    assert_int_equal(ethphy_link_state(p), ETHPHY_LINK_NEGOTIATING);
    run_to(s, SIM_SEC(4));
    ethphy_set_cable(p, false);
    run_to(s, SIM_SEC(5));
    ethphy_set_cable(p, true);
    run_to(s, SIM_MS(6499));
    assert_int_equal(o.ups, 1);
    run_to(s, SIM_MS(6500));
    assert_int_equal(o.ups, 2);
    assert_int_equal(o.up_at[1], SIM_MS(6500));
    assert_int_equal(o.downs, 1); /* no link was lost during negotiation */

    /* power-down drops the link the same way */
    run_to(s, SIM_SEC(7));
    ethphy_power(p, false);
    assert_int_equal(ethphy_link_state(p), ETHPHY_LINK_DOWN);
    run_to(s, SIM_SEC(8));
    assert_int_equal(o.downs, 2);
    assert_int_equal(o.down_at[1], SIM_SEC(7));
    ethphy_get_stats(p, &st);
    assert_int_equal(st.link_ups, 2);
    assert_int_equal(st.link_downs, 2);
    assert_false(o.cb_inside);

    /* destroyed with frames in flight: nothing fires afterwards */
    ethphy_power(p, true);
    run_to(s, SIM_MS(9500));
    n = arp_frame(f, bcast);
    ethphy_send(p, f, n);
    ethphy_wire_input(p, f, n);
    ethphy_destroy(p);
    run_to(s, SIM_SEC(10));
    sim_destroy(s);
}

/* ===================================================================== */
/* The device on the LAN segment. */

struct samp {
    int64_t t_us;
    int status;
};

struct link_ev {
    int64_t t_us;
    int up;
    int status; /* lan_status() inside the hook */
};

struct trace_ev {
    sim_time t;
    char event[16];
    char val[16];
};

struct shared {
    int result;
    char failure[512];
    /* firmware observations */
    int booted;
    int status_before, active_before, active_after;
    int mac_rc;
    uint8_t mac[6];
    int64_t bound_us;
    net_ifconfig ifc;
    int ping_ok[2];
    int64_t ping_rtt_us[2];
    struct samp samps[MAXN];
    int nsamps;
    struct link_ev links[MAXN];
    int nlinks;
    int tx_rc_pulled;
    int64_t regot_us;
    net_ifconfig ifc2;
    /* power cycle */
    int off_rc, off_query, off_status, off_eth_up, off_link;
    net_ifconfig off_ifc;
    int on_rc, on_link;
    /* no port */
    int np_rc, np_query, np_status, np_mac_rc, np_eth_rc;
    char np_msg[128];
    /* rig observations */
    int probe_before, probe_after, probe_after_conn, probe_after_link;
    int probe_plug, probe_plug_link;
    ethphy_stats st;
    int has_lease;
    uint32_t lease_ip;
    struct trace_ev tev[MAXN];
    int ntev;
    /* parameters */
    double negotiation_ms;
};

static struct shared *fw_sh; /* the child's own pointer, for lwIP callbacks */

#define T_PULL SIM_SEC(10)
#define T_PLUG SIM_SEC(20)
#define P_OFF_MS 8000
#define P_ON_MS 10000

static int64_t now_us(void)
{
    return (int64_t)hal_ticks_us(); /* the runs here are far shorter than its 2^30 us wrap */
}

static void sleep_until_ms(int64_t t_ms)
{
    int64_t now = now_us() / 1000;
    if (t_ms > now)
        hal_sleep_ms((uint32_t)(t_ms - now));
}

static void link_hook(void *ctx, bool up)
{
    struct shared *sh = ctx;
    if (sh->nlinks < MAXN) {
        struct link_ev *e = &sh->links[sh->nlinks++];
        e->t_us = now_us();
        e->up = up;
        e->status = lan_status(lan_get());
    }
}

static void status_cb(struct netif *nif)
{
    struct shared *sh = fw_sh;
    if (sh->bound_us == 0 && !ip4_addr_isany_val(*netif_ip4_addr(nif)))
        sh->bound_us = now_us();
}

/* Activate the LAN and wait for an address. */
static int lan_boot(struct shared *sh)
{
    fw_sh = sh;
    lwip_init();
    lan *l = lan_get();
    if (l == NULL)
        return -1;
    sh->status_before = lan_status(l);
    sh->active_before = lan_active(l, WLAN_QUERY);
    sh->mac_rc = lan_config_mac(l, sh->mac);
    if (lan_active(l, 1) != NET_OK)
        return -2;
    sh->active_after = lan_active(l, WLAN_QUERY);
    eth_netif_set_link_hook(link_hook, sh);
    netif_set_status_callback(eth_netif(), status_cb);
    for (int i = 0; i < 1000 && !lan_isconnected(l); i++)
        hal_sleep_ms(10);
    lan_ifconfig(l, &sh->ifc);
    sh->booted = lan_isconnected(l);
    return sh->booted ? 0 : -3;
}

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    (void)addr;
    hal_event *ev = arg;
    /* IPv4 header then ICMP: type 0 is an echo reply */
    if (p->tot_len >= 28 && pbuf_get_at(p, 20) == ICMP_ER) {
        pbuf_free(p);
        hal_event_set(ev);
        return 1;
    }
    return 0;
}

static int ping_gateway(int64_t *rtt_us)
{
    hal_event *ev = hal_event_create();
    struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
    raw_recv(pcb, ping_recv, ev);
    struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 32, PBUF_RAM);
    struct icmp_echo_hdr *h = p->payload; /* our own outgoing buffer, built by us */
    ICMPH_TYPE_SET(h, ICMP_ECHO);
    ICMPH_CODE_SET(h, 0);
    h->id = lwip_htons(0x1234);
    h->seqno = lwip_htons(1);
    memset((uint8_t *)p->payload + sizeof *h, 0xab, 32);
    h->chksum = 0;
    h->chksum = inet_chksum(h, p->len);
    ip_addr_t gw;
    IP4_ADDR(ip_2_ip4(&gw), 10, 0, 2, 2);
    int64_t t0 = now_us();
    raw_sendto(pcb, p, &gw);
    pbuf_free(p);
    int ok = hal_event_wait(ev, 2000) == HAL_OK;
    *rtt_us = now_us() - t0;
    raw_remove(pcb);
    hal_event_destroy(ev);
    return ok;
}

static void sample(struct shared *sh, lan *l)
{
    int s = lan_status(l);
    if (sh->nsamps == 0 || sh->samps[sh->nsamps - 1].status != s) {
        if (sh->nsamps < MAXN)
            sh->samps[sh->nsamps++] = (struct samp){now_us(), s};
    }
}

static int fw_lease(void *arg)
{
    struct shared *sh = arg;
    if (lan_boot(sh) != 0)
        return 0;
    sh->ping_ok[0] = ping_gateway(&sh->ping_rtt_us[0]);
    return 0;
}

/* The rig pulls the cable at T_PULL and plugs it back at T_PLUG; the task
 * watches lan_status every 10 ms and, while the cable is out, tries to send. */
static int fw_cable(void *arg)
{
    struct shared *sh = arg;
    if (lan_boot(sh) != 0)
        return 0;
    lan *l = lan_get();
    sh->ping_ok[0] = ping_gateway(&sh->ping_rtt_us[0]);
    while (now_us() < (T_PULL + SIM_SEC(1)) / 1000) {
        sample(sh, l);
        hal_sleep_ms(10);
    }
    /* two frames into a port without link: one raw, one through lwIP */
    uint8_t frame[42];
    arp_frame(frame, (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
    sh->tx_rc_pulled = eth_send(sizeof frame, frame);
    etharp_gratuitous(eth_netif());
    while (now_us() < (T_PLUG + SIM_SEC(5)) / 1000) {
        sample(sh, l);
        if (sh->regot_us == 0 && now_us() > T_PLUG / 1000 && lan_isconnected(l))
            sh->regot_us = now_us();
        hal_sleep_ms(10);
    }
    lan_ifconfig(l, &sh->ifc2);
    sh->ping_ok[1] = ping_gateway(&sh->ping_rtt_us[1]);
    return 0;
}

static int fw_power(void *arg)
{
    struct shared *sh = arg;
    if (lan_boot(sh) != 0)
        return 0;
    lan *l = lan_get();
    sleep_until_ms(P_OFF_MS);
    sh->off_rc = lan_active(l, 0);
    sh->off_query = lan_active(l, WLAN_QUERY);
    sh->off_status = lan_status(l);
    sh->off_eth_up = eth_is_up();
    sh->off_link = eth_link_status();
    lan_ifconfig(l, &sh->off_ifc);
    sleep_until_ms(P_ON_MS);
    sh->on_rc = lan_active(l, 1);
    sh->on_link = eth_link_status();
    for (int i = 0; i < 1000 && !lan_isconnected(l); i++)
        hal_sleep_ms(10);
    if (lan_isconnected(l))
        sh->regot_us = now_us();
    lan_ifconfig(l, &sh->ifc2);
    sh->ping_ok[1] = ping_gateway(&sh->ping_rtt_us[1]);
    return 0;
}

static int fw_no_port(void *arg)
{
    struct shared *sh = arg;
    lwip_init();
    lan *l = lan_get();
    sh->np_query = lan_active(l, WLAN_QUERY);
    sh->np_rc = lan_active(l, 1);
    snprintf(sh->np_msg, sizeof sh->np_msg, "%s", net_last_error());
    sh->np_status = lan_status(l);
    uint8_t mac[6];
    sh->np_mac_rc = lan_config_mac(l, mac);
    sh->np_eth_rc = eth_send(14, mac); /* no port: refused whatever the frame */
    return 0;
}

/* ---- the child ---- */

typedef void (*rig_fn)(world *w, struct shared *sh);

static void trace_sink(void *ctx, const sim_trace_event *ev)
{
    struct shared *sh = ctx;
    if (strcmp(ev->comp, "cam.eth") != 0 || ev->level < SIM_LOG_INFO || sh->ntev >= MAXN)
        return;
    struct trace_ev *t = &sh->tev[sh->ntev++];
    t->t = ev->t;
    snprintf(t->event, sizeof t->event, "%s", ev->event);
    t->val[0] = '\0';
    for (size_t i = 0; i < ev->nfields; i++)
        if (ev->fields[i].type == SIM_TF_STR &&
            (strcmp(ev->fields[i].key, "state") == 0 || strcmp(ev->fields[i].key, "why") == 0))
            snprintf(t->val, sizeof t->val, "%s", ev->fields[i].str);
}

static struct shared *boot_in_child(const char *name, bool with_lan, hal_task_fn fw, rig_fn rig, sim_time until,
                                    double negotiation_ms)
{
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    sh->negotiation_ms = negotiation_ms;
    (void)system("mkdir -p " OUT);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char wire[512], trace[512];
        snprintf(wire, sizeof wire, OUT "%s_wire.pcap", name);
        snprintf(trace, sizeof trace, OUT "%s_trace.jsonl", name);
        world_config c;
        world_config_default(&c);
        c.seed = 3;
        c.wire_pcap = wire;
        c.up.restricted = true; /* nothing of the host: byte-for-byte reproducible */
        c.dev[0].lan = with_lan;
        if (negotiation_ms > 0)
            c.dev[0].lan_phy.negotiation_ms = negotiation_ms;
        sim_err err = {0};
        world *w = world_create(&c, &err);
        if (w == NULL) {
            snprintf(sh->failure, sizeof sh->failure, "world_create: %.400s", err.msg);
            _exit(3);
        }
        sim_trace *tr = sim_trace_of(world_sim(w));
        sim_trace_set_log(tr, NULL, SIM_LOG_OFF);
        if (sim_trace_open(tr, trace, &err) != SIM_OK || sim_trace_add_sink(tr, trace_sink, sh) != SIM_OK)
            _exit(4);
        if (board_spawn(world_board(w), "main", fw, sh, 0, &err) != SIM_OK)
            _exit(5);
        if (rig)
            rig(w, sh);
        sh->result = sim_run_until(world_sim(w), until);
        snprintf(sh->failure, sizeof sh->failure, "%s", sim_failure(world_sim(w)));
        if (world_ethphy(w) != NULL)
            ethphy_get_stats(world_ethphy(w), &sh->st);
        if (world_lan_dhcps(w) != NULL)
            sh->has_lease = dhcps_lease_of(world_lan_dhcps(w), PHY_MAC, &sh->lease_ip, NULL);
        world_destroy(w);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child failed (status %d): %s", status, sh->failure);
    return sh;
}

/* ---- the rig's cable puller ---- */

struct cable_rig {
    world *w;
    struct shared *sh;
};

static void probe_status(void *arg)
{
    int *out = arg;
    out[0] = lan_status(lan_get());
    out[1] = lan_isconnected(lan_get());
    out[2] = eth_link_status();
}

static void pull(void *arg)
{
    struct cable_rig *r = arg;
    int before[3], after[3];
    board_call(world_board(r->w), probe_status, before);
    ethphy_set_cable(world_ethphy(r->w), false);
    /* the firmware's view in the same instant, before anything else ran */
    board_call(world_board(r->w), probe_status, after);
    r->sh->probe_before = before[0];
    r->sh->probe_after = after[0];
    r->sh->probe_after_conn = after[1];
    r->sh->probe_after_link = after[2];
}

static void plug(void *arg)
{
    struct cable_rig *r = arg;
    int after[3];
    ethphy_set_cable(world_ethphy(r->w), true);
    board_call(world_board(r->w), probe_status, after);
    r->sh->probe_plug = after[0];
    r->sh->probe_plug_link = after[2];
}

/* A broadcast from the wire while the cable is out (or negotiating). */
static void inject(void *arg)
{
    struct cable_rig *r = arg;
    uint8_t f[42];
    arp_frame(f, (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
    ethphy_wire_input(world_ethphy(r->w), f, sizeof f);
}

static void rig_cable(world *w, struct shared *sh)
{
    static struct cable_rig r; /* lives in the child until it exits */
    r.w = w;
    r.sh = sh;
    sim *s = world_sim(w);
    sim_at(s, T_PULL, pull, &r);
    sim_at(s, T_PULL + SIM_MS(500), inject, &r);
    sim_at(s, T_PULL + SIM_MS(600), inject, &r);
    sim_at(s, T_PULL + SIM_MS(700), inject, &r);
    sim_at(s, T_PLUG, plug, &r);
    sim_at(s, T_PLUG + SIM_MS(1000), inject, &r); /* negotiating: still no link */
}

/* ---- reading the wire capture back ---- */

struct dhcp_pkt {
    sim_time t;
    int type;      /* option 53 */
    uint32_t ciaddr;
    int broadcast; /* IPv4 destination 255.255.255.255 */
    int from_client;
    uint8_t src[6];
    uint32_t requested; /* option 50, 0 if absent */
    int has_server_id;  /* option 54 */
    char hostname[33];  /* option 12 */
};

struct wire_summary {
    int frames;
    int from_phy;
    int from_phy_short; /* frames from the PHY under 60 bytes: a MAC pads them */
    int icmp;
};

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rd32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Every DHCP packet in an Ethernet pcap, in order; the capture is parsed
 * as untrusted bytes (every length is checked against what is there). */
static int read_dhcp(const char *path, struct dhcp_pkt *out, int max, struct wire_summary *sum)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t gh[24], rh[16], d[2048];
    assert_int_equal(fread(gh, 1, 24, f), 24);
    assert_int_equal(rd32le(gh), 0xa1b23c4du); /* nanosecond pcap */
    assert_int_equal(rd32le(gh + 20), CAPTURE_LINKTYPE_ETHERNET);
    memset(sum, 0, sizeof *sum);
    int n = 0;
    while (fread(rh, 1, 16, f) == 16) {
        uint32_t caplen = rd32le(rh + 8);
        assert_true(caplen <= sizeof d);
        assert_int_equal(fread(d, 1, caplen, f), caplen);
        sum->frames++;
        if (caplen >= 12 && memcmp(d + 6, PHY_MAC, 6) == 0) {
            sum->from_phy++;
            if (caplen < ETHPHY_MIN_FRAME)
                sum->from_phy_short++;
        }
        if (caplen < 14 + 20 || d[12] != 0x08 || d[13] != 0x00)
            continue;
        const uint8_t *ip = d + 14, *end = d + caplen;
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        if (ihl < 20 || ip + ihl + 8 > end)
            continue;
        if (ip[9] == 1)
            sum->icmp++;
        if (ip[9] != 17)
            continue;
        const uint8_t *udp = ip + ihl;
        int sport = udp[0] << 8 | udp[1], dport = udp[2] << 8 | udp[3];
        if (!((sport == 68 && dport == 67) || (sport == 67 && dport == 68)))
            continue;
        const uint8_t *b = udp + 8;
        if (b + 240 > end || n >= max)
            continue;
        struct dhcp_pkt *p = &out[n];
        memset(p, 0, sizeof *p);
        p->t = ((int64_t)rd32le(rh) - CAPTURE_DEFAULT_EPOCH_S) * 1000000000 + rd32le(rh + 4);
        p->from_client = sport == 68;
        memcpy(p->src, d + 6, 6);
        p->ciaddr = rd32be(b + 12);
        p->broadcast = rd32be(ip + 16) == 0xffffffffu;
        p->type = -1;
        for (const uint8_t *o = b + 240; o < end && *o != 255;) {
            if (*o == 0) {
                o++;
                continue;
            }
            if (o + 2 > end || o + 2 + o[1] > end)
                break;
            if (o[0] == 53 && o[1] == 1)
                p->type = o[2];
            if (o[0] == 50 && o[1] == 4)
                p->requested = rd32be(o + 2);
            if (o[0] == 54)
                p->has_server_id = 1;
            if (o[0] == 12 && o[1] < sizeof p->hostname) {
                memcpy(p->hostname, o + 2, o[1]);
                p->hostname[o[1]] = '\0';
            }
            o += 2 + o[1];
        }
        n++;
    }
    fclose(f);
    return n;
}

static int tshark_count(const char *pcap, const char *filter)
{
    if (LINKRIG_TSHARK[0] == '\0')
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -r %s -Y '%s' 2>/dev/null | wc -l", LINKRIG_TSHARK, pcap, filter);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f == NULL || fscanf(f, "%d", &n) != 1)
        n = -1;
    if (f)
        pclose(f);
    return n;
}

/* Times the firmware sees are later than the rig's events by the chip calls
 * it made on the way (each costs host-interface time, eth_driver.c): at most
 * a few of them, well under a millisecond. */
#define CALL_SLACK_US 1000
#define assert_near_us(got, want)                                                \
    assert_true((long long)(got) >= (long long)(want) && (long long)(got) <= (long long)(want) + CALL_SLACK_US)

static void assert_tev(const struct shared *sh, int i, sim_time t, const char *event, const char *val)
{
    assert_true(i < sh->ntev);
    if (t >= 0)
        assert_near_us(sh->tev[i].t / 1000, t / 1000);
    assert_string_equal(sh->tev[i].event, event);
    assert_string_equal(sh->tev[i].val, val);
}

/* A frame the PHY sends at t is on the wire after its 10 us latency. */
static void assert_on_wire_at(sim_time wire_t, sim_time sent_t)
{
    assert_true(wire_t >= sent_t + SIM_US(10));
    assert_true(wire_t < sent_t + SIM_MS(1));
}

/* ---- tests ---- */

static void test_lease_and_ping(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child("lan_lease", true, fw_lease, NULL, SIM_SEC(10), 0);
    assert_int_equal(sh->result, SIM_RUN_DONE);
    assert_int_equal(sh->status_before, STAT_IDLE);
    assert_int_equal(sh->active_before, 0);
    assert_int_equal(sh->active_after, 1);
    assert_int_equal(sh->mac_rc, NET_OK);
    assert_memory_equal(sh->mac, PHY_MAC, 6);
    assert_true(sh->booted);
    assert_string_equal(sh->ifc.ip, "10.0.2.150");
    assert_string_equal(sh->ifc.netmask, "255.255.255.0");
    assert_string_equal(sh->ifc.gateway, "10.0.2.2");
    assert_string_equal(sh->ifc.dns, "10.0.2.3");
    assert_true(sh->has_lease);
    assert_int_equal(sh->lease_ip, LAN_IP);

    /* link after the default 1.5 s of negotiation; no address in that instant */
    assert_true(sh->nlinks >= 1);
    assert_true(sh->links[0].up);
    assert_near_us(sh->links[0].t_us, 1500000);
    assert_int_equal(sh->links[0].status, STAT_NO_IP);
    print_message("link up at %.3f s, address 10.0.2.150 bound at %.6f s\n", sh->links[0].t_us / 1e6,
                  sh->bound_us / 1e6);
    assert_true(sh->bound_us >= 1500000 && sh->bound_us < 1510000);

    assert_true(sh->ping_ok[0]);
    print_message("ping 10.0.2.2 over the wire: %.3f ms\n", sh->ping_rtt_us[0] / 1e3);

    struct dhcp_pkt p[16];
    struct wire_summary sum;
    int n = read_dhcp(OUT "lan_lease_wire.pcap", p, 16, &sum);
    assert_int_equal(n, 4);
    const int order[4] = {1, 2, 3, 5}; /* DISCOVER, OFFER, REQUEST, ACK */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(p[i].type, order[i]);
        assert_int_equal(p[i].from_client, i % 2 == 0);
        if (p[i].from_client)
            assert_memory_equal(p[i].src, PHY_MAC, 6);
    }
    /* lwIP 2.1 names itself (option 12) in its REQUESTs, not in DISCOVER */
    assert_string_equal(p[2].hostname, "camera");
    assert_on_wire_at(p[0].t, SIM_MS(1500));
    assert_int_equal(p[2].requested, LAN_IP);
    assert_int_equal(sum.icmp, 2);
    assert_int_equal(sum.from_phy_short, 0);
    assert_true(sum.from_phy >= 4);
    assert_int_equal(sh->st.rx_dropped, 0);
    assert_int_equal(sh->st.tx_dropped, 0);

    /* trace: power on, then the link */
    assert_tev(sh, 0, 0, "power", "on");
    assert_tev(sh, 1, SIM_MS(1500), "link_up", "");

    if (tshark_count(OUT "lan_lease_wire.pcap", "dhcp") >= 0) {
        assert_int_equal(tshark_count(OUT "lan_lease_wire.pcap", "dhcp"), 4);
        assert_int_equal(tshark_count(OUT "lan_lease_wire.pcap", "dhcp.option.hostname == \"camera\""), 1);
        assert_int_equal(tshark_count(OUT "lan_lease_wire.pcap", "icmp.type == 0 && ip.src == 10.0.2.2"), 1);
        assert_int_equal(tshark_count(OUT "lan_lease_wire.pcap", "_ws.malformed"), 0);
    }
    munmap(sh, sizeof *sh);
}

static void test_negotiation_time(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child("lan_neg", true, fw_lease, NULL, SIM_SEC(10), 2500);
    assert_true(sh->booted);
    assert_true(sh->nlinks >= 1);
    assert_near_us(sh->links[0].t_us, 2500000);
    struct dhcp_pkt p[8];
    struct wire_summary sum;
    assert_int_equal(read_dhcp(OUT "lan_neg_wire.pcap", p, 8, &sum), 4);
    assert_on_wire_at(p[0].t, SIM_MS(2500));
    munmap(sh, sizeof *sh);
}

static void check_cable_run(const struct shared *sh, const char *pcap)
{
    assert_int_equal(sh->result, SIM_RUN_DONE);
    assert_true(sh->booted);
    assert_true(sh->ping_ok[0]);

    /* pulled: the firmware sees it in the same instant */
    assert_int_equal(sh->probe_before, STAT_GOT_IP);
    assert_int_equal(sh->probe_after, STAT_IDLE);
    assert_false(sh->probe_after_conn);
    assert_int_equal(sh->probe_after_link, ETH_LINK_DOWN);
    /* plugged: still idle while negotiating */
    assert_int_equal(sh->probe_plug, STAT_IDLE);
    assert_int_equal(sh->probe_plug_link, ETH_LINK_NEGOTIATING);

    /* the netif's link events: up, down at the pull, up after negotiation */
    assert_int_equal(sh->nlinks, 3);
    assert_int_equal(sh->links[1].up, 0);
    assert_near_us(sh->links[1].t_us, T_PULL / 1000);
    assert_int_equal(sh->links[1].status, STAT_IDLE);
    assert_int_equal(sh->links[2].up, 1);
    assert_near_us(sh->links[2].t_us, (T_PLUG + SIM_MS(1500)) / 1000);
    assert_int_equal(sh->links[2].status, STAT_NO_IP); /* re-confirming the lease */

    /* what the 10 ms poll saw: connected, idle from the pull, connected again */
    int i_idle = -1, i_back = -1;
    for (int i = 0; i < sh->nsamps; i++) {
        if (i_idle < 0 && sh->samps[i].status == STAT_IDLE)
            i_idle = i;
        else if (i_idle >= 0 && i_back < 0 && sh->samps[i].status == STAT_GOT_IP)
            i_back = i;
    }
    assert_true(i_idle > 0 && i_back > i_idle);
    assert_int_equal(sh->samps[0].status, STAT_GOT_IP);
    assert_true(sh->samps[i_idle].t_us >= T_PULL / 1000 && sh->samps[i_idle].t_us < T_PULL / 1000 + 10000);
    for (int i = i_idle; i < i_back; i++)
        assert_int_equal(sh->samps[i].status, STAT_IDLE);
    int64_t up_us = (T_PLUG + SIM_MS(1500)) / 1000;
    assert_true(sh->regot_us >= up_us && sh->regot_us <= up_us + 10000); /* the next 10 ms poll */
    print_message("pulled at %.3f s: idle at once; plugged at %.3f s: link at %.3f s, connected again at the poll of %.3f s\n",
                  T_PULL / 1e9, T_PLUG / 1e9, up_us / 1e6, sh->regot_us / 1e6);
    assert_string_equal(sh->ifc2.ip, "10.0.2.150");
    assert_true(sh->ping_ok[1]);

    /* dropped while out: 3 arrivals while pulled, 1 while negotiating; the
     * raw frame and lwIP's gratuitous ARP from the firmware */
    assert_int_equal(sh->tx_rc_pulled, ETH_ENOLINK);
    assert_int_equal(sh->st.rx_dropped, 4);
    assert_int_equal(sh->st.tx_dropped, 2);
    assert_int_equal(sh->st.link_ups, 2);
    assert_int_equal(sh->st.link_downs, 1);

    /* the wire: the first lease, then INIT-REBOOT (ciaddr 0, requested
     * address, no server id, broadcast) at the link up, ACKed */
    struct dhcp_pkt p[16];
    struct wire_summary sum;
    int n = read_dhcp(pcap, p, 16, &sum);
    assert_int_equal(n, 6);
    const int order[6] = {1, 2, 3, 5, 3, 5};
    for (int i = 0; i < 6; i++)
        assert_int_equal(p[i].type, order[i]);
    assert_true(p[4].from_client);
    assert_int_equal(p[4].ciaddr, 0);
    assert_int_equal(p[4].requested, LAN_IP);
    assert_false(p[4].has_server_id);
    assert_true(p[4].broadcast);
    assert_string_equal(p[4].hostname, "camera");
    assert_on_wire_at(p[4].t, T_PLUG + SIM_MS(1500));
    print_message("INIT-REBOOT REQUEST on the wire at %.6f s, ACK at %.6f s\n", p[4].t / 1e9, p[5].t / 1e9);
    assert_true(p[5].t >= p[4].t);
    assert_int_equal(sum.icmp, 4);
    assert_int_equal(sum.from_phy_short, 0);
    assert_int_equal(sh->lease_ip, LAN_IP);

    /* trace */
    assert_tev(sh, 0, 0, "power", "on");
    assert_tev(sh, 1, SIM_MS(1500), "link_up", "");
    assert_tev(sh, 2, T_PULL, "cable", "pulled");
    assert_tev(sh, 3, T_PULL, "link_down", "cable");
    assert_tev(sh, 4, T_PLUG, "cable", "plugged");
    assert_tev(sh, 5, T_PLUG + SIM_MS(1500), "link_up", "");
    assert_int_equal(sh->ntev, 6);
}

static void test_cable_pull_and_replug(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child("lan_cable", true, fw_cable, rig_cable, SIM_SEC(30), 0);
    check_cable_run(sh, OUT "lan_cable_wire.pcap");
    munmap(sh, sizeof *sh);
    if (tshark_count(OUT "lan_cable_wire.pcap", "dhcp") >= 0) {
        assert_int_equal(tshark_count(OUT "lan_cable_wire.pcap", "dhcp"), 6);
        assert_int_equal(tshark_count(OUT "lan_cable_wire.pcap", "dhcp.option.requested_ip_address == 10.0.2.150 "
                                                                 "&& !dhcp.option.dhcp_server_id && ip.dst == 255.255.255.255"),
                         1);
        assert_int_equal(tshark_count(OUT "lan_cable_wire.pcap", "_ws.malformed"), 0);
    }

    /* the same seed again: byte-identical capture and trace */
    sh = boot_in_child("lan_cable2", true, fw_cable, rig_cable, SIM_SEC(30), 0);
    check_cable_run(sh, OUT "lan_cable2_wire.pcap");
    munmap(sh, sizeof *sh);
    assert_int_equal(system("cmp -s " OUT "lan_cable_wire.pcap " OUT "lan_cable2_wire.pcap"), 0);
    assert_int_equal(system("cmp -s " OUT "lan_cable_trace.jsonl " OUT "lan_cable2_trace.jsonl"), 0);
}

static void test_power_cycle(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child("lan_power", true, fw_power, NULL, SIM_SEC(20), 0);
    assert_int_equal(sh->result, SIM_RUN_DONE);
    assert_true(sh->booted);
    /* off: inactive, idle, no address, the PHY down, all at once */
    assert_int_equal(sh->off_rc, NET_OK);
    assert_int_equal(sh->off_query, 0);
    assert_int_equal(sh->off_status, STAT_IDLE);
    assert_false(sh->off_eth_up);
    assert_int_equal(sh->off_link, ETH_LINK_DOWN);
    assert_string_equal(sh->off_ifc.ip, "0.0.0.0");
    /* on again: negotiating, then a fresh DHCP exchange gives the address back */
    assert_int_equal(sh->on_rc, NET_OK);
    assert_int_equal(sh->on_link, ETH_LINK_NEGOTIATING);
    assert_int_equal(sh->nlinks, 3);
    assert_int_equal(sh->links[1].up, 0);
    assert_near_us(sh->links[1].t_us, P_OFF_MS * 1000);
    assert_near_us(sh->links[2].t_us, (P_ON_MS + 1500) * 1000);
    assert_true(sh->regot_us >= (P_ON_MS + 1500) * 1000 && sh->regot_us <= (P_ON_MS + 1510) * 1000);
    assert_string_equal(sh->ifc2.ip, "10.0.2.150");
    assert_true(sh->ping_ok[1]);

    struct dhcp_pkt p[16];
    struct wire_summary sum;
    int n = read_dhcp(OUT "lan_power_wire.pcap", p, 16, &sum);
    assert_int_equal(n, 8); /* no RELEASE: a powered-down port sends nothing */
    const int order[8] = {1, 2, 3, 5, 1, 2, 3, 5};
    for (int i = 0; i < 8; i++)
        assert_int_equal(p[i].type, order[i]);
    assert_on_wire_at(p[4].t, SIM_MS(P_ON_MS + 1500));
    assert_int_equal(sh->st.tx_dropped, 0);
    assert_true(sh->has_lease);

    assert_tev(sh, 0, 0, "power", "on");
    assert_tev(sh, 1, SIM_MS(1500), "link_up", "");
    assert_tev(sh, 2, SIM_MS(P_OFF_MS), "power", "off");
    assert_tev(sh, 3, SIM_MS(P_OFF_MS), "link_down", "power");
    assert_tev(sh, 4, SIM_MS(P_ON_MS), "power", "on");
    assert_tev(sh, 5, SIM_MS(P_ON_MS + 1500), "link_up", "");
    if (tshark_count(OUT "lan_power_wire.pcap", "dhcp") >= 0) {
        assert_int_equal(tshark_count(OUT "lan_power_wire.pcap", "dhcp.option.dhcp == 7"), 0);
        assert_int_equal(tshark_count(OUT "lan_power_wire.pcap", "_ws.malformed"), 0);
    }
    munmap(sh, sizeof *sh);
}

static void test_board_without_port(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child("lan_none", false, fw_no_port, NULL, SIM_SEC(1), 0);
    assert_int_equal(sh->result, SIM_RUN_DONE);
    assert_int_equal(sh->np_query, 0);
    assert_int_equal(sh->np_rc, NET_ENOTSUP);
    assert_non_null(strstr(sh->np_msg, "no Ethernet port"));
    assert_int_equal(sh->np_status, STAT_IDLE);
    assert_int_equal(sh->np_mac_rc, NET_ENOTSUP);
    assert_int_equal(sh->np_eth_rc, ETH_EIO);
    munmap(sh, sizeof *sh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phy_model),
        cmocka_unit_test(test_lease_and_ping),
        cmocka_unit_test(test_negotiation_time),
        cmocka_unit_test(test_cable_pull_and_replug),
        cmocka_unit_test(test_power_cycle),
        cmocka_unit_test(test_board_without_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
