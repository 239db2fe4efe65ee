/* lwIP on virtual time. A netif whose output the test captures starts DHCP
 * with no server answering; the DHCPDISCOVER retransmissions must appear at
 * exactly the virtual times lwIP's own dhcp.c schedules them. Also: lwIP's
 * timers run at their deadlines, not from a 1 ms poll; LWIP_RAND follows the
 * seed; an lwIP assert stops the run with file:line. */
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

#include "firmware_shim/board.h"
#include "hal.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "sim/capture.h"

#define MAX_FRAMES 64

/* Filled by the device in a child process, read by the test in the parent. */
struct wire {
    sim *s;
    capture *cap;
    int result;
    char failure[512];
    uint32_t sys_now_seen;
    sim_time sim_now_seen;
    uint64_t timer_runs;
    int reached_after_assert;
    int n;
    sim_time at[MAX_FRAMES];
    uint8_t frame[MAX_FRAMES][600];
    size_t len[MAX_FRAMES];
};

static struct netif test_netif;

static err_t wire_linkoutput(struct netif *nif, struct pbuf *p)
{
    struct wire *w = nif->state;
    uint8_t buf[1600];
    u16_t len = pbuf_copy_partial(p, buf, sizeof buf, 0);
    capture_write(w->cap, sim_now(w->s), buf, len);
    if (w->n < MAX_FRAMES) {
        w->at[w->n] = sim_now(w->s);
        w->len[w->n] = len < 600 ? len : 600;
        memcpy(w->frame[w->n], buf, w->len[w->n]);
        w->n++;
    }
    return ERR_OK;
}

static err_t wire_netif_init(struct netif *nif)
{
    static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0xca, 0xfe, 0x01};
    nif->name[0] = 'c';
    nif->name[1] = 'm';
    nif->output = etharp_output;
    nif->linkoutput = wire_linkoutput;
    nif->mtu = 1500;
    nif->hwaddr_len = 6;
    memcpy(nif->hwaddr, mac, 6);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

#define DHCP_START_MS 1234

/* The firmware of this test: bring lwIP up at power-on, start DHCP later,
 * off a 500 ms tick boundary so lwIP's timer quantisation shows. */
static int dhcp_firmware(void *arg)
{
    struct wire *f = arg;
    lwip_init();
    netif_add(&test_netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, f, wire_netif_init, netif_input);
    netif_set_default(&test_netif);
    netif_set_up(&test_netif);
    netif_set_link_up(&test_netif);
    hal_sleep_ms(DHCP_START_MS);
    f->sys_now_seen = sys_now();
    f->sim_now_seen = ((sim_time)hal_time_us() * 1000);
    if (dhcp_start(&test_netif) != ERR_OK)
        return -1;
    return 0;
}

/* The schedule dhcp.c (lwIP 2.1) gives a DISCOVER with no answer:
 * dhcp_discover() increments `tries` and sets request_timeout to
 * ceil(msecs / DHCP_FINE_TIMER_MSECS) ticks, msecs = (tries < 6 ? 2^tries :
 * 60) s; dhcp_fine_tmr(), a cyclic timer due every DHCP_FINE_TIMER_MSECS from
 * lwip_init(), counts it down and calls dhcp_timeout(), which sends the next
 * DISCOVER when it reaches zero. So each retransmission lands on a fine-timer
 * tick: the n-th tick after the previous DISCOVER. */
static int expected_discovers(sim_time start_ms, sim_time until_ms, sim_time *out, int max)
{
    const sim_time tick = DHCP_FINE_TIMER_MSECS;
    int n = 0;
    sim_time t = start_ms;
    for (int tries = 1; n < max && t <= until_ms; tries++) {
        out[n++] = t;
        sim_time msecs = (tries < 6 ? (1 << tries) : 60) * 1000;
        sim_time ticks = (msecs + tick - 1) / tick;
        sim_time first_tick = (t / tick + 1) * tick; /* strictly after t */
        t = first_tick + (ticks - 1) * tick;
    }
    return n;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks one frame is an Ethernet/IPv4/UDP 68->67 DHCPDISCOVER; returns xid. */
static uint32_t check_discover(const uint8_t *f, size_t len)
{
    assert_true(len >= 14 + 20 + 8 + 240 + 3);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_memory_equal(f, bcast, 6);
    assert_int_equal(f[12] << 8 | f[13], 0x0800);
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    assert_int_equal(ip[9], 17);
    const uint8_t *udp = ip + ihl;
    assert_int_equal(udp[0] << 8 | udp[1], 68);
    assert_int_equal(udp[2] << 8 | udp[3], 67);
    const uint8_t *bootp = udp + 8;
    assert_int_equal(bootp[0], 1); /* BOOTREQUEST */
    assert_int_equal(be32(bootp + 236), 0x63825363u); /* magic cookie */
    /* option 53 (message type) must say DISCOVER (1) */
    const uint8_t *opt = bootp + 240, *end = f + len;
    int type = -1;
    while (opt < end && *opt != 255) {
        if (*opt == 0) {
            opt++;
            continue;
        }
        assert_true(opt + 2 <= end && opt + 2 + opt[1] <= end);
        if (opt[0] == 53 && opt[1] == 1)
            type = opt[2];
        opt += 2 + opt[1];
    }
    assert_int_equal(type, 1);
    return be32(bootp + 4);
}

/* lwIP keeps its state in globals and has no way to shut down, so — as the
 * board's one-device-per-process rule says — each device boot runs in a child
 * process. Results come back through shared memory; the parent asserts. */
static struct wire *boot_in_child(uint64_t seed, const char *pcap_path, hal_task_fn fw, sim_time run_for)
{
    struct wire *w = mmap(NULL, sizeof *w, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(w != MAP_FAILED);
    memset(w, 0, sizeof *w);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sim *s = sim_create(&(sim_config){.seed = seed}, NULL);
        sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
        board *b = board_create(s, NULL, NULL);
        w->s = s;
        capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S};
        w->cap = capture_open(pcap_path, &cc, NULL);
        if (b == NULL || w->cap == NULL || board_spawn(b, "main", fw, w, 0, NULL) != SIM_OK)
            _exit(3);
        w->result = sim_run_until(s, run_for);
        snprintf(w->failure, sizeof w->failure, "%s", sim_failure(s));
        board_stats st;
        board_get_stats(b, &st);
        w->timer_runs = st.lwip_timer_runs;
        capture_close(w->cap);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return w;
}

/* Checks every frame is one DISCOVER transaction; returns its xid. */
static uint32_t check_all_discovers(const struct wire *w)
{
    uint32_t xid = 0;
    for (int i = 0; i < w->n; i++) {
        uint32_t x = check_discover(w->frame[i], w->len[i]);
        if (i == 0)
            xid = x;
        else
            assert_int_equal(x, xid); /* one transaction, retransmitted */
    }
    return xid;
}

static void test_discover_schedule(void **state)
{
    (void)state;
    const char *path = LINKRIG_BUILD_DIR "/test-out/dhcp_no_server.pcap";
    (void)system("mkdir -p " LINKRIG_BUILD_DIR "/test-out");
    struct wire *w = boot_in_child(1, path, dhcp_firmware, SIM_SEC(200));
    assert_int_equal(w->result, SIM_RUN_DONE);
    assert_int_equal(w->sys_now_seen, DHCP_START_MS);
    assert_int_equal(w->sim_now_seen, SIM_MS(DHCP_START_MS));
    check_all_discovers(w);
    int n = w->n;

    sim_time expect[MAX_FRAMES];
    int ne = expected_discovers(DHCP_START_MS, 200000, expect, MAX_FRAMES);
    assert_int_equal(ne, 8); /* 1.234 3 7 15 31 63 123 183 s */
    assert_int_equal(n, ne);
    for (int i = 0; i < n; i++) {
        print_message("DHCPDISCOVER %d at %lld ms (expected %lld)\n", i + 1, (long long)(w->at[i] / 1000000),
                      (long long)expect[i]);
        assert_int_equal(w->at[i], SIM_MS(expect[i]));
    }

    /* The same times as the capture file records them, read back by hand
     * (pcap with nanosecond timestamps: magic a1b23c4d) as an independent
     * check of the writer. */
    FILE *pf = fopen(path, "rb");
    assert_non_null(pf);
    uint8_t gh[24];
    assert_int_equal(fread(gh, 1, 24, pf), 24);
    assert_int_equal(le32(gh), 0xa1b23c4du);
    assert_int_equal(le32(gh + 20), 1); /* LINKTYPE_ETHERNET */
    int i = 0;
    uint8_t rh[16];
    while (fread(rh, 1, 16, pf) == 16) {
        assert_true(i < ne);
        uint32_t caplen = le32(rh + 8);
        assert_true(caplen <= 1600);
        uint8_t data[1600];
        assert_int_equal(fread(data, 1, caplen, pf), caplen);
        int64_t t = ((int64_t)le32(rh) - CAPTURE_DEFAULT_EPOCH_S) * 1000000000 + le32(rh + 4);
        assert_int_equal(t, SIM_MS(expect[i]));
        check_discover(data, caplen);
        i++;
    }
    assert_int_equal(i, ne);
    fclose(pf);

    /* lwIP's timers ran at their deadlines: one event per 500 ms tick at most
     * (a 1 ms poll would be 200000). */
    print_message("lwIP timer events in 200 s: %llu\n", (unsigned long long)w->timer_runs);
    assert_true(w->timer_runs <= 400);
    assert_true(w->timer_runs >= 390);
    munmap(w, sizeof *w);

    /* tshark reads the capture as DHCP, nothing malformed */
    if (LINKRIG_TSHARK[0] != '\0') {
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "%s -r %s -Y 'dhcp.option.dhcp == 1 && !_ws.malformed' -T fields -e frame.number | wc -l",
                 LINKRIG_TSHARK, path);
        FILE *f = popen(cmd, "r");
        int count = -1;
        assert_non_null(f);
        assert_int_equal(fscanf(f, "%d", &count), 1);
        pclose(f);
        assert_int_equal(count, ne);
        snprintf(cmd, sizeof cmd, "%s -r %s -Y _ws.malformed | wc -l", LINKRIG_TSHARK, path);
        f = popen(cmd, "r");
        assert_int_equal(fscanf(f, "%d", &count), 1);
        pclose(f);
        assert_int_equal(count, 0);
    } else {
        print_message("tshark not found: capture check by tshark skipped\n");
    }
}

static void test_seed_drives_lwip_rand(void **state)
{
    (void)state;
    (void)system("mkdir -p " LINKRIG_BUILD_DIR "/test-out");
    struct wire *a = boot_in_child(5, LINKRIG_BUILD_DIR "/test-out/dhcp_a.pcap", dhcp_firmware, SIM_SEC(60));
    struct wire *b = boot_in_child(5, LINKRIG_BUILD_DIR "/test-out/dhcp_b.pcap", dhcp_firmware, SIM_SEC(60));
    struct wire *c = boot_in_child(6, LINKRIG_BUILD_DIR "/test-out/dhcp_c.pcap", dhcp_firmware, SIM_SEC(60));
    assert_true(a->n > 3);
    assert_int_equal(check_all_discovers(a), check_all_discovers(b));
    assert_int_not_equal(check_all_discovers(a), check_all_discovers(c));
    munmap(a, sizeof *a);
    munmap(b, sizeof *b);
    munmap(c, sizeof *c);
    /* same seed: byte-identical captures */
    assert_int_equal(system("cmp -s " LINKRIG_BUILD_DIR "/test-out/dhcp_a.pcap " LINKRIG_BUILD_DIR
                            "/test-out/dhcp_b.pcap"),
                     0);
}

static int bad_lwip_use(void *arg)
{
    struct wire *w = arg;
    lwip_init();
    hal_sleep_ms(10);
    pbuf_free(NULL); /* lwIP asserts p != NULL */
    w->reached_after_assert = 1;
    return 0;
}

static void test_lwip_assert_stops_run(void **state)
{
    (void)state;
    struct wire *w = boot_in_child(1, LINKRIG_BUILD_DIR "/test-out/assert.pcap", bad_lwip_use, SIM_SEC(5));
    assert_int_equal(w->result, SIM_RUN_FAILED);
    print_message("%s\n", w->failure);
    assert_non_null(strstr(w->failure, "lwIP assertion \"p != NULL\" failed at src/core/pbuf.c:"));
    assert_non_null(strstr(w->failure, "in task 'main'"));
    assert_int_equal(w->reached_after_assert, 0);
    munmap(w, sizeof *w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover_schedule),
        cmocka_unit_test(test_seed_drives_lwip_rand),
        cmocka_unit_test(test_lwip_assert_stops_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
