/* The wire, end to end: the camera's real lwIP gets its address from the
 * AP's DHCP server through the radio and the AP, and its traffic reaches the
 * network beyond through libslirp. The firmware side here uses only the HAL,
 * the chip driver API, the lwIP netif glue and lwIP itself.
 *
 * lwIP keeps global state, so every device boot runs in a child process; the
 * child records what happened in shared memory and the parent asserts. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

/* the test also uses the host's sockets API, whose htons() lwIP would shadow */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#include "firmware/tcp_client.h"
#include "hal.h"
#include "lwip/dhcp.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "sim/world.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

#define SSID "camnet"
#define PASS "correct horse battery"
#define OUT LINKRIG_BUILD_DIR "/test-out/"
#define MAX_EVENTS 64

static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* ---- what the child reports ---- */

struct ev {
    sim_time t;
    uint32_t ip; /* address after the change (host order), 0 = none */
};

struct shared {
    int result;
    char failure[512];
    /* firmware observations */
    int joined;
    struct ev ip_changes[MAX_EVENTS];
    int n_ip_changes;
    int radio_joined_at_end;
    uint32_t ip_at_end;
    int ping_ok;
    sim_time ping_rtt;
    int tcp_rc;
    uint64_t tcp_sent;
    uint32_t tcp_crc;
    char reply[64];
    /* rig observations */
    uint32_t lease_ip;
    int has_lease;
    uint64_t sink_bytes;
    uint32_t sink_crc;
    uint64_t sink_connections;
    int pacing_seen;
    int host_ok;
    char host_got[64];
    volatile int done; /* set by the firmware or a host thread: stop the run */
    /* test parameters */
    int mode;
    uint16_t host_port;
};

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* ---- firmware pieces (HAL, chip API, netif glue, lwIP only) ---- */

static struct shared *fw_sh; /* the child's own copy of the pointer */

static void status_cb(struct netif *nif)
{
    struct shared *sh = fw_sh;
    if (sh->n_ip_changes < MAX_EVENTS) {
        sh->ip_changes[sh->n_ip_changes].t = ((sim_time)hal_time_us() * 1000);
        sh->ip_changes[sh->n_ip_changes].ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));
        sh->n_ip_changes++;
    }
}

/* Boot: lwIP, the Wi-Fi netif, join, and wait for an address. */
static int boot_and_join(struct shared *sh)
{
    fw_sh = sh;
    lwip_init();
    struct netif *nif = wifi_netif_init("camera");
    if (nif == NULL)
        return -1;
    netif_set_status_callback(nif, status_cb);
    if (chip_wifi_set_up(CHIP_ITF_STA, true) != CHIP_OK)
        return -2;
    if (chip_wifi_join(strlen(SSID), (const uint8_t *)SSID, strlen(PASS), (const uint8_t *)PASS,
                       CHIP_AUTH_WPA2_AES_PSK, NULL, 0) != CHIP_OK)
        return -3;
    for (int i = 0; i < 3000 && !wifi_netif_has_ip(); i++)
        hal_sleep_ms(10);
    sh->joined = wifi_netif_has_ip();
    return sh->joined ? 0 : -4;
}

static int fw_just_join(void *arg)
{
    return boot_and_join(arg) == 0 ? 0 : 0; /* the parent checks what happened */
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

static int fw_ping(void *arg)
{
    struct shared *sh = arg;
    if (boot_and_join(sh) != 0)
        return 0;
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
    sim_time t0 = ((sim_time)hal_time_us() * 1000);
    raw_sendto(pcb, p, &gw);
    pbuf_free(p);
    if (hal_event_wait(ev, 2000) == HAL_OK) {
        sh->ping_ok = 1;
        sh->ping_rtt = ((sim_time)hal_time_us() * 1000) - t0;
    }
    raw_remove(pcb);
    hal_event_destroy(ev);
    return 0;
}

#define SINK_PORT 9000
#define ONE_MB (1024 * 1024)

static int fw_upload(void *arg)
{
    struct shared *sh = arg;
    if (boot_and_join(sh) != 0)
        return 0;
    ip_addr_t sink;
    IP4_ADDR(ip_2_ip4(&sink), 10, 0, 2, 100);
    tcpc *c;
    sh->tcp_rc = tcpc_connect(&c, &sink, SINK_PORT, 5000);
    if (sh->tcp_rc != TCPC_OK)
        return 0;
    uint8_t chunk[4096];
    uint32_t crc = 0;
    for (size_t off = 0; off < ONE_MB; off += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (uint8_t)((off + i) * 7 + (off + i) / 251);
        crc = crc32_update(crc, chunk, sizeof chunk);
        sh->tcp_rc = tcpc_send(c, chunk, sizeof chunk, 10000);
        if (sh->tcp_rc != TCPC_OK)
            break;
        sh->tcp_sent += sizeof chunk;
    }
    if (sh->tcp_rc == TCPC_OK)
        sh->tcp_rc = tcpc_flush(c, 10000);
    sh->tcp_crc = crc;
    tcpc_close(c);
    hal_sleep_ms(2000); /* let the FIN exchange finish */
    return 0;
}

static int fw_host_client(void *arg)
{
    struct shared *sh = arg;
    if (boot_and_join(sh) != 0)
        return 0;
    ip_addr_t host; /* the gateway address is the host, through slirp's NAT */
    IP4_ADDR(ip_2_ip4(&host), 10, 0, 2, 2);
    tcpc *c;
    sh->tcp_rc = tcpc_connect(&c, &host, sh->host_port, 5000);
    if (sh->tcp_rc != TCPC_OK)
        return 0;
    const char *msg = "hello from the camera";
    sh->tcp_rc = tcpc_send(c, msg, strlen(msg), 5000);
    int n = tcpc_recv(c, sh->reply, sizeof sh->reply - 1, 5000);
    if (n > 0)
        sh->reply[n] = '\0';
    else
        sh->tcp_rc = n;
    tcpc_close(c);
    sh->done = 1;
    return 0;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        tcp_close(pcb);
        return ERR_OK;
    }
    for (struct pbuf *q = p; q != NULL; q = q->next)
        tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY);
    tcp_recved(pcb, p->tot_len);
    tcp_output(pcb);
    pbuf_free(p);
    return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err;
    tcp_recv(pcb, echo_recv);
    return ERR_OK;
}

static int fw_echo_server(void *arg)
{
    struct shared *sh = arg;
    if (boot_and_join(sh) != 0)
        return 0;
    struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_V4);
    tcp_bind(l, IP_ANY_TYPE, 80);
    l = tcp_listen(l);
    tcp_accept(l, echo_accept);
    return 0;
}

/* ---- the child ---- */

typedef void (*setup_fn)(world_config *c, struct shared *sh);
typedef void (*rig_fn)(world *w, struct shared *sh);

static void setup_default(world_config *c, struct shared *sh)
{
    (void)sh;
    world_add_ap(c, "ap", SSID, PASS, 6, 10, 0);
}

static struct shared *boot_in_child(uint64_t seed, const char *name, setup_fn setup, hal_task_fn fw, rig_fn rig,
                                    sim_time until, int mode)
{
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    sh->mode = mode;
    (void)system("mkdir -p " OUT);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char air[512], wire[512];
        snprintf(air, sizeof air, OUT "%s_air.pcap", name);
        snprintf(wire, sizeof wire, OUT "%s_wire.pcap", name);
        world_config c;
        world_config_default(&c);
        c.seed = seed;
        c.air_pcap = air;
        c.wire_pcap = wire;
        memcpy(c.dev[0].radio.mac, STA_MAC, 6);
        setup(&c, sh);
        sim_err err = {0};
        world *w = world_create(&c, &err);
        if (w == NULL) {
            snprintf(sh->failure, sizeof sh->failure, "world_create: %.400s", err.msg);
            _exit(3);
        }
        sim_trace_set_log(sim_trace_of(world_sim(w)), NULL, SIM_LOG_OFF);
        if (board_spawn(world_board(w), "main", fw, sh, 0, &err) != SIM_OK)
            _exit(4);
        if (rig)
            rig(w, sh);
        sh->result = sim_run_until(world_sim(w), until);
        snprintf(sh->failure, sizeof sh->failure, "%s", sim_failure(world_sim(w)));
        sh->radio_joined_at_end = radio_joined(world_radio(w));
        struct netif *nif = wifi_netif();
        sh->ip_at_end = nif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif))) : 0;
        if (world_dhcps(w, 0) != NULL)
            sh->has_lease = dhcps_lease_of(world_dhcps(w, 0), STA_MAC, &sh->lease_ip, NULL);
        uplink_sink_stats st;
        if (world_uplink(w) && uplink_sink_stats_get(world_uplink(w), 0x0a000264, SINK_PORT, &st) == SIM_OK) {
            sh->sink_bytes = st.bytes;
            sh->sink_crc = st.crc32;
            sh->sink_connections = st.connections;
        }
        world_destroy(w);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child failed (status %d): %s", status, sh->failure);
    return sh;
}

/* ---- reading the wire capture back ---- */

struct dhcp_pkt {
    sim_time t;
    int type;      /* option 53 */
    uint32_t ciaddr;
    int broadcast; /* IPv4 destination 255.255.255.255 */
    int from_client;
};

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rd32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Every DHCP packet in an Ethernet pcap, in order. */
static int read_dhcp(const char *path, struct dhcp_pkt *out, int max)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t gh[24], rh[16], d[2048];
    assert_int_equal(fread(gh, 1, 24, f), 24);
    int n = 0;
    while (n < max && fread(rh, 1, 16, f) == 16) {
        uint32_t caplen = rd32le(rh + 8);
        assert_true(caplen <= sizeof d);
        assert_int_equal(fread(d, 1, caplen, f), caplen);
        if (caplen < 14 + 20 + 8 + 240 || d[12] != 0x08 || d[13] != 0x00)
            continue;
        const uint8_t *ip = d + 14;
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        if (ip[9] != 17)
            continue;
        const uint8_t *udp = ip + ihl;
        int sport = udp[0] << 8 | udp[1], dport = udp[2] << 8 | udp[3];
        if (!((sport == 68 && dport == 67) || (sport == 67 && dport == 68)))
            continue;
        const uint8_t *b = udp + 8, *end = d + caplen;
        struct dhcp_pkt *p = &out[n];
        p->t = ((int64_t)rd32le(rh) - CAPTURE_DEFAULT_EPOCH_S) * 1000000000 + rd32le(rh + 4);
        p->from_client = sport == 68;
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

/* ---- tests ---- */

static void test_lease(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child(1, "lease", setup_default, fw_just_join, NULL, SIM_SEC(20), 0);
    assert_int_equal(sh->result, SIM_RUN_DONE);
    assert_true(sh->joined);
    assert_true(sh->has_lease);
    assert_int_equal(sh->ip_at_end, sh->lease_ip);
    assert_int_equal(sh->ip_at_end, 0x0a00020f); /* 10.0.2.15, the pool's first */
    print_message("address 10.0.2.15 bound at %.3f s\n", (double)sh->ip_changes[0].t / 1e9);

    struct dhcp_pkt p[16];
    int n = read_dhcp(OUT "lease_wire.pcap", p, 16);
    assert_int_equal(n, 4);
    const int order[4] = {1, 2, 3, 5}; /* DISCOVER, OFFER, REQUEST, ACK */
    for (int i = 0; i < 4; i++)
        assert_int_equal(p[i].type, order[i]);
    if (tshark_count(OUT "lease_wire.pcap", "dhcp") >= 0) {
        assert_int_equal(tshark_count(OUT "lease_wire.pcap", "dhcp"), 4);
        assert_int_equal(tshark_count(OUT "lease_wire.pcap", "_ws.malformed"), 0);
        assert_int_equal(tshark_count(OUT "lease_air.pcap", "_ws.malformed"), 0);
    }
    munmap(sh, sizeof *sh);
}

/* Lease timers. lwIP 2.1's DHCP client counts T1, T2 and the lease in ticks
 * of its coarse timer (DHCP_COARSE_TIMER_SECS = 60 s, cyclic from
 * lwip_init): dhcp_bind() sets each to (seconds + 30) / 60 ticks (at least
 * 1), and dhcp_coarse_tmr() checks lease end first, then T2, then T1. So
 * each event lands on the Nth coarse tick after binding. */
#define COARSE SIM_SEC(60)

static sim_time nth_tick_after(sim_time bound, int n)
{
    sim_time first = (bound / COARSE + 1) * COARSE;
    return first + (sim_time)(n - 1) * COARSE;
}

/* A frame the firmware sends at t shows on the wire after its airtime and
 * the AP's forwarding: well under 5 ms here. */
static void assert_on_wire_after(sim_time wire_t, sim_time sent_t)
{
    assert_true(wire_t >= sent_t);
    assert_true(wire_t < sent_t + SIM_MS(5));
}

static int ticks_for(uint32_t secs)
{
    int t = (int)((secs + 30) / 60);
    return t ? t : 1;
}

enum { MODE_NORMAL, MODE_IGNORE, MODE_SILENT };

static void setup_short_lease(world_config *c, struct shared *sh)
{
    world_ap_config *a = world_add_ap(c, "ap", SSID, PASS, 6, 10, 0);
    a->dhcps.lease_s = 600; /* T1 300 s, T2 525 s */
    c->uplink = false;
    (void)sh;
}

struct mode_switch {
    world *w;
    int mode;
};

static void apply_mode(void *arg)
{
    struct mode_switch *m = arg;
    dhcps *d = world_dhcps(m->w, 0);
    dhcps_set_mode(d, m->mode == MODE_IGNORE ? DHCPS_IGNORE_RENEWALS : DHCPS_SILENT);
}

static void rig_mode(world *w, struct shared *sh)
{
    static struct mode_switch m; /* lives in the child until it exits */
    m.w = w;
    m.mode = sh->mode;
    if (sh->mode != MODE_NORMAL)
        sim_at(world_sim(w), SIM_SEC(30), apply_mode, &m); /* after the first bind */
}

static void test_lease_timers(void **state)
{
    (void)state;
    const uint32_t lease = 600, t1 = lease / 2, t2 = lease * 7 / 8;

    /* renewals answered: the unicast REQUEST at T1 is ACKed, the address stays */
    struct shared *sh = boot_in_child(1, "renew", setup_short_lease, fw_just_join, rig_mode, SIM_SEC(700), MODE_NORMAL);
    assert_true(sh->joined);
    sim_time bound = sh->ip_changes[0].t;
    struct dhcp_pkt p[32];
    int n = read_dhcp(OUT "renew_wire.pcap", p, 32);
    assert_true(n >= 6);
    assert_int_equal(p[4].type, 3);
    assert_true(p[4].ciaddr != 0 && !p[4].broadcast); /* RENEWING: unicast, ciaddr set */
    print_message("bound at %.3f s; renewal REQUEST at %.3f s (T1 = %u s after bind, on lwIP's 60 s tick)\n",
                  (double)bound / 1e9, (double)p[4].t / 1e9, t1);
    assert_on_wire_after(p[4].t, nth_tick_after(bound, ticks_for(t1)));
    assert_int_equal(p[5].type, 5);
    assert_int_equal(sh->ip_at_end, 0x0a00020f);
    assert_int_equal(sh->n_ip_changes, 1); /* never lost */
    munmap(sh, sizeof *sh);

    /* renewals ignored: REBINDING broadcast REQUEST at T2 */
    sh = boot_in_child(1, "rebind", setup_short_lease, fw_just_join, rig_mode, SIM_SEC(700), MODE_IGNORE);
    bound = sh->ip_changes[0].t;
    n = read_dhcp(OUT "rebind_wire.pcap", p, 32);
    int first_rebind = -1;
    for (int i = 4; i < n; i++)
        if (p[i].type == 3 && p[i].broadcast && p[i].ciaddr != 0) {
            first_rebind = i;
            break;
        }
    assert_true(first_rebind > 4); /* renewals came first, unanswered */
    print_message("rebind REQUEST at %.3f s (T2 = %u s after bind)\n", (double)p[first_rebind].t / 1e9, t2);
    assert_on_wire_after(p[first_rebind].t, nth_tick_after(bound, ticks_for(t2)));
    munmap(sh, sizeof *sh);

    /* server silent: lwIP drops the address at lease end; the radio link stays */
    sh = boot_in_child(1, "expire", setup_short_lease, fw_just_join, rig_mode, SIM_SEC(700), MODE_SILENT);
    bound = sh->ip_changes[0].t;
    assert_true(sh->n_ip_changes >= 2);
    assert_int_equal(sh->ip_changes[1].ip, 0);
    print_message("address dropped at %.3f s (lease %u s after bind)\n", (double)sh->ip_changes[1].t / 1e9, lease);
    assert_int_equal(sh->ip_changes[1].t, nth_tick_after(bound, ticks_for(lease)));
    assert_true(sh->radio_joined_at_end);
    assert_int_equal(sh->ip_at_end, 0);
    munmap(sh, sizeof *sh);
}

static void test_ping_gateway(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child(1, "ping", setup_default, fw_ping, NULL, SIM_SEC(20), 0);
    assert_true(sh->joined);
    assert_true(sh->ping_ok);
    print_message("ping 10.0.2.2: %.3f ms\n", (double)sh->ping_rtt / 1e6);
    munmap(sh, sizeof *sh);
}

static void setup_sink(world_config *c, struct shared *sh)
{
    (void)sh;
    world_add_ap(c, "ap", SSID, PASS, 6, 10, 0);
    c->up.restricted = true;
}

static void rig_sink(world *w, struct shared *sh)
{
    (void)sh;
    sim_err err;
    if (uplink_add_service(world_uplink(w), UPLINK_SERVICE_SINK, 0x0a000264, SINK_PORT, &err) != SIM_OK)
        _exit(5);
}

static void test_tcp_sink_1mb(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child(7, "sink", setup_sink, fw_upload, rig_sink, SIM_SEC(120), 0);
    assert_true(sh->joined);
    assert_int_equal(sh->tcp_rc, TCPC_OK);
    assert_int_equal(sh->tcp_sent, ONE_MB);
    assert_int_equal(sh->sink_bytes, ONE_MB);
    assert_int_equal(sh->sink_crc, sh->tcp_crc);
    assert_int_equal(sh->sink_connections, 1);
    munmap(sh, sizeof *sh);

    /* the same seed again: byte-identical captures */
    sh = boot_in_child(7, "sink2", setup_sink, fw_upload, rig_sink, SIM_SEC(120), 0);
    assert_int_equal(sh->sink_bytes, ONE_MB);
    munmap(sh, sizeof *sh);
    assert_int_equal(system("cmp -s " OUT "sink_air.pcap " OUT "sink2_air.pcap"), 0);
    assert_int_equal(system("cmp -s " OUT "sink_wire.pcap " OUT "sink2_wire.pcap"), 0);
    if (tshark_count(OUT "sink_wire.pcap", "tcp") >= 0) {
        assert_int_equal(tshark_count(OUT "sink_wire.pcap", "_ws.malformed"), 0);
        assert_true(tshark_count(OUT "sink_wire.pcap", "tcp.dstport == 9000") > 700);
    }
}

/* A real TCP server on the host's loopback, in a thread of the child. */
struct host_server {
    int fd;
    struct shared *sh;
};

static void *host_server_main(void *arg)
{
    struct host_server *hs = arg;
    int c = accept(hs->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    char buf[64] = {0};
    ssize_t n = recv(c, buf, sizeof buf - 1, 0);
    if (n > 0) {
        snprintf(hs->sh->host_got, sizeof hs->sh->host_got, "%s", buf);
        send(c, "hello from the host", 19, 0);
        hs->sh->host_ok = 1;
    }
    close(c);
    return NULL;
}

static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0)
        return -1;
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Every 100 ms of virtual time: note whether the clock is paced, and end
 * the run once the exchange is done (host threads take wall time). */
static void watch(void *arg)
{
    world *w = arg;
    struct shared *sh = fw_sh;
    if (sim_clock_pacing(sim_clock_of(world_sim(w))))
        sh->pacing_seen = 1;
    if (sh->done)
        sim_stop(world_sim(w));
}

static void rig_host_server(world *w, struct shared *sh)
{
    static struct host_server hs;
    static pthread_t th;
    hs.sh = sh;
    hs.fd = listen_loopback(&sh->host_port);
    if (hs.fd < 0)
        _exit(6);
    pthread_create(&th, NULL, host_server_main, &hs);
    pthread_detach(th);
    fw_sh = sh;
    sim_every(world_sim(w), SIM_MS(100), SIM_MS(100), watch, w);
}

static void test_host_server_through_gateway(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child(1, "hostsrv", setup_default, fw_host_client, rig_host_server, SIM_SEC(60), 0);
    assert_true(sh->joined);
    assert_int_equal(sh->tcp_rc, TCPC_OK);
    assert_true(sh->host_ok);
    assert_string_equal(sh->host_got, "hello from the camera");
    assert_string_equal(sh->reply, "hello from the host");
    assert_true(sh->pacing_seen); /* virtual time followed the wall clock while the host socket was open */
    munmap(sh, sizeof *sh);
}

/* A host client reaching the camera's TCP echo through a port forward. */
struct host_client {
    uint16_t port;
    struct shared *sh;
    world *w;
};

static void *host_client_main(void *arg)
{
    struct host_client *hc = arg;
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(hc->port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        struct timeval tv = {.tv_sec = 5};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            send(fd, "ping camera", 11, 0);
            char buf[64] = {0};
            ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
            if (n > 0) {
                snprintf(hc->sh->host_got, sizeof hc->sh->host_got, "%s", buf);
                hc->sh->host_ok = 1;
                hc->sh->done = 1;
                close(fd);
                return NULL;
            }
        }
        close(fd);
        usleep(100000);
    }
    return NULL;
}

/* The camera has its address by now. A host client takes wall time, so from
 * here virtual time follows the wall clock. */
static void start_host_client(void *arg)
{
    struct host_client *hc = arg;
    static pthread_t th;
    sim_clock_set_pacing(sim_clock_of(world_sim(hc->w)), 1.0);
    pthread_create(&th, NULL, host_client_main, arg);
    pthread_detach(th);
}

static void rig_hostfwd(world *w, struct shared *sh)
{
    static struct host_client hc;
    uint16_t port = 0;
    int fd = listen_loopback(&port); /* find a free port, then give it to slirp */
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "tcp:127.0.0.1:%u-10.0.2.15:80", port);
    sim_err err;
    if (uplink_add_hostfwd(world_uplink(w), spec, &err) != SIM_OK)
        _exit(7);
    hc.port = port;
    hc.sh = sh;
    hc.w = w;
    fw_sh = sh;
    sim_at(world_sim(w), SIM_SEC(3), start_host_client, &hc);
    sim_every(world_sim(w), SIM_MS(100), SIM_MS(100), watch, w);
}

static void test_hostfwd_echo(void **state)
{
    (void)state;
    struct shared *sh = boot_in_child(1, "hostfwd", setup_default, fw_echo_server, rig_hostfwd, SIM_SEC(60), 0);
    assert_true(sh->joined);
    assert_true(sh->host_ok);
    assert_string_equal(sh->host_got, "ping camera");
    munmap(sh, sizeof *sh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lease),
        cmocka_unit_test(test_lease_timers),
        cmocka_unit_test(test_ping_gateway),
        cmocka_unit_test(test_tcp_sink_1mb),
        cmocka_unit_test(test_host_server_through_gateway),
        cmocka_unit_test(test_hostfwd_echo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
