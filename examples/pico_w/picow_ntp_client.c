/* picow_ntp_client — learn the time the way Pico W programs do: resolve
 * NTP_SERVER by DNS (lwIP's dns_gethostbyname, server from DHCP), send an
 * NTP client request (RFC 5905, mode 3) over UDP, read the server's
 * transmit timestamp from its mode-4 reply, and report the time, here to
 * the rig's sink over TCP (one line per answer, e.g. "ntp 1767225661\n").
 *
 * The loop polls the driver (cyw43_arch_poll) and asks again every
 * NTP_PERIOD_MS; an answer that does not come within NTP_TIMEOUT_MS is
 * given up and asked again, so an NTP or DNS outage is ridden out. The link
 * is kept with cyw43_arch_wifi_connect_timeout_ms and a growing wait. */
#include <stdio.h>
#include <string.h>

#include "lwip/dns.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"

#ifndef NTP_SERVER
#define NTP_SERVER "pool.ntp.org"
#endif
#ifndef REPORT_IP
#error "REPORT_IP is needed: the build binds it to the sink setting"
#endif
#ifndef REPORT_PORT
#define REPORT_PORT 9000
#endif
#define NTP_PORT 123
#define NTP_MSG_LEN 48
#define NTP_PERIOD_MS 10000
#define NTP_TIMEOUT_MS 3000
/* Seconds from the NTP epoch (1900) to the Unix epoch (1970), RFC 868. */
#define NTP_UNIX_DELTA 2208988800u

static struct {
    struct udp_pcb *udp;
    ip_addr_t server;
    bool asking;           /* a request (or its DNS lookup) is out */
    absolute_time_t give_up;
    absolute_time_t next;
    unsigned answers, timeouts;
} ntp;

static err_t report_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    const char *line = arg;
    if (err == ERR_OK) {
        tcp_write(pcb, line, (u16_t)strlen(line), TCP_WRITE_FLAG_COPY);
        tcp_output(pcb);
    }
    tcp_close(pcb);
    return ERR_OK;
}

/* A short TCP connection per answer, as a sensor posting a reading. */
static void report(uint32_t unix_s)
{
    static char line[32]; /* answers are 10 s apart: one line at a time */
    snprintf(line, sizeof line, "ntp %lu\n", (unsigned long)unix_s);
    ip_addr_t to;
    if (!ipaddr_aton(REPORT_IP, &to))
        return;
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL)
        return;
    tcp_arg(pcb, line);
    if (tcp_connect(pcb, &to, REPORT_PORT, report_connected) != ERR_OK)
        tcp_abort(pcb);
}

static void ntp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    (void)pcb;
    uint8_t msg[NTP_MSG_LEN];
    /* Only a whole mode-4 (server) reply from the server asked, stratum set
     * (RFC 5905 7.3: stratum 0 is a kiss-o'-death). */
    if (ntp.asking && port == NTP_PORT && ip_addr_cmp(addr, &ntp.server) && p->tot_len == NTP_MSG_LEN &&
        pbuf_copy_partial(p, msg, NTP_MSG_LEN, 0) == NTP_MSG_LEN && (msg[0] & 0x7) == 4 && msg[1] != 0) {
        uint32_t secs = (uint32_t)msg[40] << 24 | (uint32_t)msg[41] << 16 | (uint32_t)msg[42] << 8 | msg[43];
        uint32_t unix_s = secs - NTP_UNIX_DELTA;
        ntp.asking = false;
        ntp.answers++;
        printf("ntp: %s answered %lu (answer %u)\n", ipaddr_ntoa(addr), (unsigned long)unix_s, ntp.answers);
        report(unix_s);
    }
    pbuf_free(p);
}

static void ntp_send(void)
{
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, NTP_MSG_LEN, PBUF_RAM);
    if (p == NULL)
        return;
    uint8_t *req = p->payload;
    memset(req, 0, NTP_MSG_LEN);
    req[0] = 0x1b; /* LI 0, version 3, mode 3 (client) */
    udp_sendto(ntp.udp, p, &ntp.server, NTP_PORT);
    pbuf_free(p);
}

static void dns_found(const char *name, const ip_addr_t *addr, void *arg)
{
    (void)arg;
    if (addr == NULL) {
        printf("ntp: %s did not resolve\n", name);
        return; /* the timeout asks again */
    }
    ntp.server = *addr;
    printf("ntp: %s is %s\n", name, ipaddr_ntoa(addr));
    ntp_send();
}

static void ntp_ask(void)
{
    ntp.asking = true;
    ntp.give_up = make_timeout_time_ms(NTP_TIMEOUT_MS);
    cyw43_arch_lwip_begin();
    err_t err = dns_gethostbyname(NTP_SERVER, &ntp.server, dns_found, NULL);
    if (err == ERR_OK)
        ntp_send(); /* cached */
    else if (err != ERR_INPROGRESS)
        printf("ntp: DNS request failed (%d)\n", err);
    cyw43_arch_lwip_end();
}

static bool link_up(void)
{
    return cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA) == CYW43_LINK_UP;
}

int main(void)
{
    stdio_init_all();
    if (cyw43_arch_init()) {
        printf("failed to initialise\n");
        return 1;
    }
    cyw43_arch_enable_sta_mode();
    ntp.udp = udp_new_ip_type(IPADDR_TYPE_ANY);
    if (ntp.udp == NULL)
        return 1;
    udp_recv(ntp.udp, ntp_recv, NULL);
    uint32_t wait_ms = 1000;
    ntp.next = get_absolute_time();
    for (;;) {
        if (!link_up()) {
            printf("connecting to %s\n", WIFI_SSID);
            if (cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK, 15000)) {
                printf("connect failed; again in %u ms\n", (unsigned)wait_ms);
                sleep_ms(wait_ms);
                wait_ms = wait_ms < 16000 ? wait_ms * 2 : 30000;
                continue;
            }
            wait_ms = 1000;
        }
        if (ntp.asking && absolute_time_diff_us(ntp.give_up, get_absolute_time()) > 0) {
            ntp.asking = false;
            ntp.timeouts++;
            printf("ntp: no answer (timeout %u)\n", ntp.timeouts);
            ntp.next = make_timeout_time_ms(1000);
        }
        if (!ntp.asking && absolute_time_diff_us(ntp.next, get_absolute_time()) >= 0) {
            ntp_ask();
            ntp.next = make_timeout_time_ms(NTP_PERIOD_MS);
        }
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(make_timeout_time_ms(100));
    }
}
