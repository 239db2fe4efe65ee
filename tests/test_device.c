/* The device: the network API (MicroPython semantics) and the reference
 * link manager's recipes, against the real models. Each boot runs in a child
 * process (lwIP is global state); the child records the link manager's trace
 * events and the parent checks the recipes from them. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "firmware/link_manager.h"
#include "firmware/network.h"
#include "hal.h"
#include "lwip/init.h"
#include "sim/world.h"

#define SSID "camnet"
#define PASS "correct horse battery"
#define MAX_EV 256

struct rec {
    sim_time t;
    char event[24];
    long long n;      /* "n" or "s" or "healthy" field */
    long long status; /* "status" field */
};

struct shared {
    /* parameters */
    char key[64];
    int loop;
    int dhcp_silent;
    sim_time ap_off_at, ap_on_at;
    /* results */
    int connect_rc;
    char connect_error[160];
    sim_time connect_returned;
    int status_after_connect;
    int isconnected_after_connect;
    int radio_joined;
    struct rec ev[MAX_EV];
    int nev;
};

static void record(void *ctx, const sim_trace_event *e)
{
    struct shared *sh = ctx;
    if (strcmp(e->comp, "cam.fw") != 0 || strncmp(e->event, "lm_", 3) != 0 || sh->nev >= MAX_EV)
        return;
    struct rec *r = &sh->ev[sh->nev++];
    r->t = e->t;
    snprintf(r->event, sizeof r->event, "%s", e->event);
    for (size_t i = 0; i < e->nfields; i++) {
        if (!strcmp(e->fields[i].key, "n") || !strcmp(e->fields[i].key, "ms") || !strcmp(e->fields[i].key, "healthy"))
            r->n = e->fields[i].num;
        if (!strcmp(e->fields[i].key, "status"))
            r->status = e->fields[i].num;
    }
}

/* The firmware: the link manager's initial connect, then (optionally) the
 * main loop calling lm_step once per iteration. HAL and firmware APIs only. */
static int fw_main(void *arg)
{
    struct shared *sh = arg;
    lwip_init();
    lm_config c;
    lm_config_default(&c);
    c.ssid = SSID;
    c.key = sh->key;
    lm *l = lm_create(&c);
    if (l == NULL)
        return -1;
    sh->connect_rc = lm_connect(l);
    snprintf(sh->connect_error, sizeof sh->connect_error, "%s", lm_error(l));
    sh->connect_returned = (sim_time)hal_ticks_ms() * 1000000;
    wlan *w = wlan_get(WLAN_IF_STA);
    sh->status_after_connect = wlan_status(w);
    sh->isconnected_after_connect = wlan_isconnected(w);
    while (sh->loop) {
        lm_step(l);
        uint32_t d = lm_next_due_ms(l);
        hal_sleep_ms(d == 0 ? 1 : (d < 100 ? d : 100));
    }
    return 0;
}

static void ap_off(void *arg)
{
    ap_set_enabled(world_ap(arg, 0), false);
}

static void ap_on(void *arg)
{
    ap_set_enabled(world_ap(arg, 0), true);
}

static struct shared *run(struct shared *params, sim_time until)
{
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(sh != MAP_FAILED);
    *sh = *params;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka's handlers would resume its test runner in this child */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        world_config c;
        world_config_default(&c);
        world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
        c.uplink = false;
        sim_err err;
        world *w = world_create(&c, &err);
        if (w == NULL) {
            fprintf(stderr, "world_create: %s\n", err.msg);
            _exit(3);
        }
        sim_trace_set_log(sim_trace_of(world_sim(w)), NULL, SIM_LOG_OFF);
        sim_trace_add_sink(sim_trace_of(world_sim(w)), record, sh);
        if (sh->dhcp_silent)
            dhcps_set_mode(world_dhcps(w, 0), DHCPS_SILENT);
        if (sh->ap_off_at > 0)
            sim_at(world_sim(w), sh->ap_off_at, ap_off, w);
        if (sh->ap_on_at > 0)
            sim_at(world_sim(w), sh->ap_on_at, ap_on, w);
        if (board_spawn(world_board(w), "main", fw_main, sh, 0, &err) != SIM_OK)
            _exit(4);
        if (sim_run_until(world_sim(w), until) == SIM_RUN_FAILED)
            _exit(5);
        sh->radio_joined = radio_joined(world_radio(w));
        world_destroy(w);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("device child ended with %s %d", WIFEXITED(status) ? "exit" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return sh;
}

static const struct rec *find(const struct shared *sh, const char *event, int nth, int *index)
{
    for (int i = 0; i < sh->nev; i++) {
        if (strcmp(sh->ev[i].event, event) == 0 && nth-- == 0) {
            if (index)
                *index = i;
            return &sh->ev[i];
        }
    }
    return NULL;
}

static int count(const struct shared *sh, const char *event)
{
    int n = 0;
    for (int i = 0; i < sh->nev; i++)
        n += strcmp(sh->ev[i].event, event) == 0;
    return n;
}

/* Recipe: connect with a timeout. A wrong password ends with the timeout
 * error after 10 s of virtual time, and the status says why. */
static void test_connect_timeout_wrong_password(void **state)
{
    (void)state;
    struct shared p = {.key = "not the password"};
    struct shared *sh = run(&p, SIM_SEC(15));
    assert_int_equal(sh->connect_rc, LM_ETIMEDOUT);
    print_message("lm_connect returned at %.3f s: %s\n", (double)sh->connect_returned / 1e9, sh->connect_error);
    assert_true(sh->connect_returned >= SIM_SEC(10) && sh->connect_returned < SIM_SEC(10) + SIM_MS(100));
    assert_int_equal(sh->status_after_connect, STAT_WRONG_PASSWORD);
    assert_false(sh->isconnected_after_connect);
    assert_non_null(strstr(sh->connect_error, "WRONG_PASSWORD"));
    assert_non_null(strstr(sh->connect_error, "timed out after 10000 ms"));
    const struct rec *r = find(sh, "lm_connect_timeout", 0, NULL);
    assert_non_null(r);
    assert_int_equal(r->status, STAT_WRONG_PASSWORD);
    munmap(sh, sizeof *sh);
}

static void test_connect_ok(void **state)
{
    (void)state;
    struct shared p;
    memset(&p, 0, sizeof p);
    snprintf(p.key, sizeof p.key, "%s", PASS);
    struct shared *sh = run(&p, SIM_SEC(15));
    assert_int_equal(sh->connect_rc, LM_OK);
    assert_int_equal(sh->status_after_connect, STAT_GOT_IP);
    assert_true(sh->isconnected_after_connect);
    assert_true(sh->connect_returned < SIM_SEC(2));
    munmap(sh, sizeof *sh);
}

/* isconnected() is false without an IP address even when the radio link is up. */
static void test_isconnected_needs_ip(void **state)
{
    (void)state;
    struct shared p = {.dhcp_silent = 1};
    snprintf(p.key, sizeof p.key, "%s", PASS);
    struct shared *sh = run(&p, SIM_SEC(15));
    assert_int_equal(sh->connect_rc, LM_ETIMEDOUT);
    assert_true(sh->radio_joined);
    assert_int_equal(sh->status_after_connect, STAT_NO_IP);
    assert_false(sh->isconnected_after_connect);
    munmap(sh, sizeof *sh);
}

/* Recipes: drop detection and the health flag, backoff spacing, the power
 * cycle only after the whole table, recovery when the AP returns. */
static void test_reconnect_backoff_and_power_cycle(void **state)
{
    (void)state;
    struct shared p = {.loop = 1, .ap_off_at = SIM_SEC(20), .ap_on_at = SIM_SEC(20 + 200)};
    snprintf(p.key, sizeof p.key, "%s", PASS);
    struct shared *sh = run(&p, SIM_SEC(300));
    assert_int_equal(sh->connect_rc, LM_OK);

    /* the drop: seen after the beacon-loss time, health cleared in that very iteration */
    int di;
    const struct rec *drop = find(sh, "lm_drop_detected", 0, &di);
    assert_non_null(drop);
    print_message("AP off at 20 s; drop detected at %.3f s\n", (double)drop->t / 1e9);
    assert_true(drop->t > p.ap_off_at + SIM_MS(700) && drop->t < p.ap_off_at + SIM_MS(1100));
    const struct rec *h = find(sh, "lm_health", 1, NULL); /* [0] is the initial "healthy" */
    assert_non_null(h);
    assert_int_equal(h->n, 0);
    assert_int_equal(h->t, drop->t);

    /* attempts spaced by the table: attempt k starts backoff[k-1] s after the
     * drop or after attempt k-1 failed */
    const long long table[] = {1, 2, 4, 8, 16, 32, 60};
    sim_time prev_end = drop->t;
    for (int k = 0; k < 7; k++) {
        const struct rec *a = find(sh, "lm_attempt", k, NULL);
        assert_non_null(a);
        print_message("attempt %d at %.3f s (%.3f s after the previous failure)\n", k + 1, (double)a->t / 1e9,
                      (double)(a->t - prev_end) / 1e9);
        /* Within 2 ms: the chip calls between the firmware's timestamp and
         * its trace event cost host-interface time (chip_driver.c). */
        assert_true(llabs((long long)(a->t - prev_end - SIM_SEC(table[k]))) <= SIM_MS(2));
        const struct rec *f = find(sh, "lm_attempt_failed", k, NULL);
        assert_non_null(f);
        prev_end = f->t;
    }
    /* the power cycle comes only once the whole table failed */
    int pi;
    const struct rec *pc = find(sh, "lm_power_cycle", 0, &pi);
    assert_non_null(pc);
    int failed_before = 0;
    for (int i = 0; i < pi; i++)
        failed_before += strcmp(sh->ev[i].event, "lm_attempt_failed") == 0;
    assert_int_equal(failed_before, 7);
    assert_int_equal(pc->t, prev_end);
    assert_true(pc->t < p.ap_on_at);
    /* ... and the link comes back once the AP returns */
    const struct rec *rec = find(sh, "lm_recovered", 0, NULL);
    assert_non_null(rec);
    print_message("power cycle at %.3f s; AP back at 220 s; recovered at %.3f s\n", (double)pc->t / 1e9,
                  (double)rec->t / 1e9);
    assert_true(rec->t > p.ap_on_at);
    assert_true(rec->t < p.ap_on_at + SIM_SEC(70));
    const struct rec *back = find(sh, "lm_health", 2, NULL);
    assert_non_null(back);
    assert_int_equal(back->n, 1);
    assert_int_equal(back->t, rec->t);
    assert_int_equal(count(sh, "lm_power_cycle"), 1);
    munmap(sh, sizeof *sh);
}

/* The network API's AP interface, with no chip behind it (this process
 * runs no board here): its configuration is checked as MicroPython's
 * ap.config() checks it, and activation reports the chip down. Scenarios
 * ap_mode_* run it on a board. */
static void test_ap_interface_config(void **state)
{
    (void)state;
    wlan *apif = wlan_get(WLAN_IF_AP);
    assert_non_null(apif);
    assert_int_equal(wlan_config_ap(apif, "", NULL, 0), NET_EINVAL);
    assert_int_equal(wlan_config_ap(apif, "setup", "short", 0), NET_EINVAL);
    assert_int_equal(wlan_config_ap(apif, "setup", NULL, 14), NET_EINVAL);
    assert_int_equal(wlan_config_ap(wlan_get(WLAN_IF_STA), "setup", NULL, 0), NET_EINVAL);
    assert_int_equal(wlan_config_ap(apif, "setup", "long enough key", 11), NET_OK);
    char ssid[33];
    int ch = 0;
    assert_int_equal(wlan_ap_config(apif, ssid, &ch), NET_OK);
    assert_string_equal(ssid, "setup");
    assert_int_equal(ch, 11);
    assert_int_equal(wlan_active(apif, 1), NET_EPERM);
    assert_non_null(strstr(net_last_error(), "not active"));
    assert_int_equal(wlan_active(apif, WLAN_QUERY), 0);
    assert_false(wlan_isconnected(apif));
    assert_null(wlan_get(7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_timeout_wrong_password),
        cmocka_unit_test(test_connect_ok),
        cmocka_unit_test(test_isconnected_needs_ip),
        cmocka_unit_test(test_reconnect_backoff_and_power_cycle),
        cmocka_unit_test(test_ap_interface_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
