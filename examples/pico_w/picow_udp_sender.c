/* picow_udp_sender — send a numbered UDP datagram to SERVER_IP:UDP_PORT
 * every SEND_PERIOD_MS while the link is up, and keep the link up without
 * ever blocking: the join runs through cyw43_arch_wifi_connect_async and a
 * small state machine that reads cyw43_tcpip_link_status on every turn of
 * the main loop (at least every 50 ms).
 *
 *   IDLE --join--> JOINING --UP--> ONLINE --not UP--> BACKOFF --wait--> IDLE
 *                  JOINING --FAIL/NONET/BADAUTH or JOIN_TIMEOUT_MS--> BACKOFF
 *
 * The wait after a loss or a failed join follows 1, 2, 4, 8, 16, 30 s, and
 * starts over once the link has been up. Nobody acknowledges UDP: whether
 * the datagrams flowed again is seen on the wire (the rig's wire capture). */
#include <stdio.h>
#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"

#ifndef SERVER_IP
#error SERVER_IP is needed (the build sets it)
#endif
#ifndef UDP_PORT
#define UDP_PORT 4444
#endif
#define SEND_PERIOD_MS 500
#define JOIN_TIMEOUT_MS 15000

typedef enum { IDLE, JOINING, ONLINE, BACKOFF } link_state_t;

static const uint32_t backoff_ms[] = {1000, 2000, 4000, 8000, 16000, 30000};

static struct {
    link_state_t state;
    unsigned failures;
    absolute_time_t until; /* JOINING: give up; BACKOFF: join again */
} lk;

static const char *state_name(link_state_t s)
{
    static const char *const names[] = {"idle", "joining", "online", "backoff"};
    return names[s];
}

static void enter(link_state_t s, uint32_t ms)
{
    printf("link: %s -> %s (%u ms)\n", state_name(lk.state), state_name(s), (unsigned)ms);
    lk.state = s;
    lk.until = make_timeout_time_ms(ms);
}

static void back_off(void)
{
    unsigned i = lk.failures < count_of(backoff_ms) ? lk.failures : count_of(backoff_ms) - 1;
    lk.failures++;
    enter(BACKOFF, backoff_ms[i]);
}

static void link_step(void)
{
    int st = cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA);
    switch (lk.state) {
    case IDLE: {
        int err = cyw43_arch_wifi_connect_async(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK);
        if (err != 0) {
            printf("link: join refused (%d)\n", err);
            back_off();
        } else {
            enter(JOINING, JOIN_TIMEOUT_MS);
        }
        break;
    }
    case JOINING:
        if (st == CYW43_LINK_UP) {
            lk.failures = 0;
            printf("link: up, ip %s\n", ip4addr_ntoa(netif_ip4_addr(&cyw43_state.netif[CYW43_ITF_STA])));
            enter(ONLINE, 0);
        } else if (st < 0 || time_reached(lk.until)) {
            printf("link: join failed (status %d)\n", st);
            if (st >= 0)
                cyw43_wifi_leave(&cyw43_state, CYW43_ITF_STA); /* stuck without an address */
            back_off();
        }
        break;
    case ONLINE:
        if (st != CYW43_LINK_UP) {
            printf("link: lost (status %d)\n", st);
            back_off();
        }
        break;
    case BACKOFF:
        if (time_reached(lk.until))
            enter(IDLE, 0);
        break;
    }
}

int main(void)
{
    stdio_init_all();
    if (cyw43_arch_init()) {
        printf("failed to initialise\n");
        return 1;
    }
    cyw43_arch_enable_sta_mode();

    ip_addr_t server;
    if (!ipaddr_aton(SERVER_IP, &server)) {
        printf("bad server address %s\n", SERVER_IP);
        return 1;
    }
    struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL)
        panic("out of UDP pcbs");

    uint32_t seq = 0;
    absolute_time_t next_send = get_absolute_time();
    for (;;) {
        link_step();
        if (lk.state == IDLE)
            link_step(); /* start the join now, not on the next turn */
        if (time_reached(next_send)) {
            next_send = make_timeout_time_ms(SEND_PERIOD_MS);
            if (lk.state == ONLINE) {
                char msg[64];
                int n = snprintf(msg, sizeof msg, "picow_udp_sender seq %u t %u ms", (unsigned)seq++,
                                 (unsigned)to_ms_since_boot(get_absolute_time()));
                struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
                if (p != NULL) {
                    memcpy(p->payload, msg, (size_t)n);
                    cyw43_arch_lwip_begin();
                    err_t e = udp_sendto(pcb, p, &server, UDP_PORT);
                    cyw43_arch_lwip_end();
                    pbuf_free(p);
                    if (e != ERR_OK)
                        printf("send failed %d\n", e);
                }
            }
        }
        /* Sleep until work, the next datagram, or the state machine's own
         * deadline, so that a backoff ends on time. */
        absolute_time_t wake = absolute_time_min(next_send, make_timeout_time_ms(50));
        if (lk.state == BACKOFF || lk.state == JOINING)
            wake = absolute_time_min(wake, lk.until);
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(wake);
    }
}
