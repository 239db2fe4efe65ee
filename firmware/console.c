/* The camera's console (console.h). A reader task blocks on the UART and
 * hands each line to the main task through a one-line mailbox; the main
 * task runs it between its own steps, so a command and the link manager
 * never interleave at a yield point. */
#include "console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "link_manager.h"
#include "network.h"

static struct {
    lm *lm;
    hal_event *ready, *taken;
    char line[CAMERA_CONSOLE_LINE];
    bool full;
    /* a console connect waiting for its outcome */
    bool pending;
    uint32_t failures_before;
    char ssid[33];
} con;

static int reader_task(void *arg)
{
    (void)arg;
    char buf[CAMERA_CONSOLE_LINE];
    for (;;) {
        int n = hal_console_read_line(buf, sizeof buf, HAL_WAIT_FOREVER);
        if (n == HAL_EINVAL) {
            hal_console_printf("error: line too long (at most %d characters), ignored\n", CAMERA_CONSOLE_LINE - 1);
            continue;
        }
        if (n < 0)
            continue;
        while (con.full)
            hal_event_wait(con.taken, HAL_WAIT_FOREVER);
        memcpy(con.line, buf, (size_t)n + 1);
        con.full = true;
        hal_event_set(con.ready);
    }
    return 0;
}

int camera_console_start(lm *l)
{
    con.lm = l;
    con.ready = hal_event_create();
    con.taken = hal_event_create();
    if (con.ready == NULL || con.taken == NULL)
        return HAL_ENOMEM;
    return hal_task_create("console", reader_task, NULL, 16 * 1024);
}

static void cmd_status(void)
{
    wlan *w = wlan_get(WLAN_IF_STA);
    net_ifconfig ifc;
    memset(&ifc, 0, sizeof ifc);
    wlan_ifconfig(w, &ifc);
    int rssi = 0;
    char rs[16] = "n/a";
    if (wlan_rssi(w, &rssi) == NET_OK)
        snprintf(rs, sizeof rs, "%d", rssi);
    hal_console_printf("status %s ip %s rssi %s lm %s\n", lm_status_name(wlan_status(w)), ifc.ip[0] ? ifc.ip : "none",
                       rs, lm_state_name(lm_get_state(con.lm)));
}

static void cmd_scan(void)
{
    net_scan_entry e[16];
    size_t n = 0;
    int rc = wlan_scan(wlan_get(WLAN_IF_STA), e, sizeof e / sizeof e[0], &n);
    if (rc != NET_OK) {
        hal_console_printf("error: %s\n", net_last_error());
        return;
    }
    hal_console_printf("scan: %u networks\n", (unsigned)n);
    for (size_t i = 0; i < n; i++)
        hal_console_printf("ssid: %s bssid %02x:%02x:%02x:%02x:%02x:%02x channel %d rssi %d security %d\n",
                           e[i].ssid, e[i].bssid[0], e[i].bssid[1], e[i].bssid[2], e[i].bssid[3], e[i].bssid[4],
                           e[i].bssid[5], e[i].channel, e[i].rssi, e[i].security);
}

/* connect SSID eap=peap|ttls|tls identity=ID [password=PW] [anonymous=ID]:
 * a WPA2-Enterprise network. Words are name=value, or name="value" for a
 * value with spaces (no quote inside it); the
 * certificates (CA, client certificate and key) are PEM texts no console
 * line carries, so they come from the settings wlan.eap.ca_cert,
 * wlan.eap.client_cert and wlan.eap.client_key. */
static void connect_eap(const char *ssid, char *args, uint32_t before)
{
    wlan_eap e = {
        .ca_cert = hal_config_str("wlan.eap.ca_cert", ""),
        .client_cert = hal_config_str("wlan.eap.client_cert", ""),
        .client_key = hal_config_str("wlan.eap.client_key", ""),
    };
    for (char *p = args; *p != '\0';) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        char *w = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '=')
            p++;
        if (*p != '=') {
            while (*p != '\0' && *p != ' ' && *p != '\t')
                p++;
            *p = '\0';
            hal_console_printf("error: %s: words are name=value\n", w);
            return;
        }
        *p++ = '\0';
        char *eq = p;
        if (*p == '"') {
            /* name="value with spaces": an eduroam password may have them */
            eq = ++p;
            while (*p != '\0' && *p != '"')
                p++;
            if (*p != '"') {
                hal_console_printf("error: %s: the quote is not closed\n", w);
                return;
            }
        } else {
            while (*p != '\0' && *p != ' ' && *p != '\t')
                p++;
        }
        if (*p != '\0')
            *p++ = '\0';
        if (strcmp(w, "eap") == 0)
            e.method = wlan_eap_method(eq);
        else if (strcmp(w, "identity") == 0)
            e.identity = eq;
        else if (strcmp(w, "password") == 0)
            e.password = eq;
        else if (strcmp(w, "anonymous") == 0)
            e.anonymous_identity = eq;
        else {
            hal_console_printf("error: %s: not one of eap, identity, password, anonymous\n", w);
            return;
        }
    }
    if (e.method == 0 || e.identity == NULL) {
        hal_console_printf("error: connect SSID eap=peap|ttls|tls identity=ID [password=PW] [anonymous=ID]\n");
        return;
    }
    if (lm_start_eap(con.lm, ssid, &e) != LM_OK) {
        hal_console_printf("connect failed: %s\n", lm_error(con.lm));
        return;
    }
    con.pending = true;
    con.failures_before = before;
    size_t sl = strlen(ssid);
    memcpy(con.ssid, ssid, sl < sizeof con.ssid ? sl + 1 : sizeof con.ssid);
    con.ssid[sizeof con.ssid - 1] = '\0';
    hal_console_printf("connecting to %s (802.1X)\n", ssid);
}

/* connect SSID [KEY]: the key is the rest of the line, spaces and all (a
 * WPA2 passphrase may hold spaces); the SSID is one word. The security
 * (WPA2 or WPA3) is the setting wlan.security's. A rest of the line that
 * starts with "eap=" is an Enterprise connect (connect_eap). */
static void cmd_connect(char *args)
{
    while (*args == ' ' || *args == '\t')
        args++;
    char *ssid = args;
    while (*args != '\0' && *args != ' ' && *args != '\t')
        args++;
    if (*args != '\0')
        *args++ = '\0';
    while (*args == ' ' || *args == '\t')
        args++;
    char *key = args;
    size_t kl = strlen(key);
    while (kl > 0 && (key[kl - 1] == ' ' || key[kl - 1] == '\t'))
        key[--kl] = '\0';
    if (*ssid == '\0') {
        hal_console_printf("error: connect SSID [KEY]\n");
        return;
    }
    uint32_t before;
    lm_last_failure(con.lm, &before);
    if (strncmp(key, "eap=", 4) == 0) {
        connect_eap(ssid, key, before);
        return;
    }
    if (lm_start(con.lm, ssid, kl > 0 ? key : NULL) != LM_OK) {
        hal_console_printf("connect failed: %s\n", lm_error(con.lm));
        return;
    }
    con.pending = true;
    con.failures_before = before;
    size_t sl = strlen(ssid); /* lm_start took it: 1..32 bytes */
    memcpy(con.ssid, ssid, sl < sizeof con.ssid ? sl + 1 : sizeof con.ssid);
    con.ssid[sizeof con.ssid - 1] = '\0';
    hal_console_printf("connecting to %s\n", ssid);
}

static void run(char *line)
{
    if (strncmp(line, "connect", 7) == 0 && (line[7] == ' ' || line[7] == '\t' || line[7] == '\0')) {
        cmd_connect(line + 7);
        return;
    }
    char *tok[4];
    int n = 0;
    for (char *p = strtok(line, " \t"); p != NULL; p = strtok(NULL, " \t")) {
        if (n == 4) {
            hal_console_printf("error: too many words (help lists the commands)\n");
            return;
        }
        tok[n++] = p;
    }
    if (n == 0)
        return;
    if (strcmp(tok[0], "help") == 0 && n == 1) {
        hal_console_printf("commands: help | status | connect SSID [KEY] | connect SSID eap=METHOD identity=ID [password=PW] [anonymous=ID] | disconnect | active 0|1 | scan\n");
    } else if (strcmp(tok[0], "status") == 0 && n == 1) {
        cmd_status();
    } else if (strcmp(tok[0], "disconnect") == 0 && n == 1) {
        con.pending = false;
        lm_stop(con.lm);
        hal_console_printf("disconnected\n");
    } else if (strcmp(tok[0], "active") == 0 && n == 2 && (strcmp(tok[1], "0") == 0 || strcmp(tok[1], "1") == 0)) {
        int on = tok[1][0] == '1';
        if (!on) {
            con.pending = false;
            lm_stop(con.lm); /* the manager would power it up again */
        }
        if (wlan_active(wlan_get(WLAN_IF_STA), on) != NET_OK)
            hal_console_printf("error: %s\n", net_last_error());
        else
            hal_console_printf("active %d\n", on);
    } else if (strcmp(tok[0], "scan") == 0 && n == 1) {
        cmd_scan();
    } else {
        hal_console_printf("error: unknown command or arguments '%s' (help lists the commands)\n", tok[0]);
    }
}

/* A console connect's outcome, as the link manager saw its attempt end. */
static void report_pending(void)
{
    if (!con.pending)
        return;
    uint32_t failures;
    const char *why = lm_last_failure(con.lm, &failures);
    if (lm_get_state(con.lm) == LM_UP && lm_healthy(con.lm)) {
        net_ifconfig ifc;
        memset(&ifc, 0, sizeof ifc);
        wlan_ifconfig(wlan_get(WLAN_IF_STA), &ifc);
        hal_console_printf("connected to %s ip %s\n", con.ssid, ifc.ip);
        con.pending = false;
    } else if (failures != con.failures_before) {
        hal_console_printf("connect failed: %s\n", why);
        con.pending = false;
    }
}

void camera_console_wait(uint32_t ms)
{
    report_pending();
    if (!con.full && hal_event_wait(con.ready, ms) != HAL_OK)
        return;
    if (!con.full)
        return;
    char line[CAMERA_CONSOLE_LINE];
    memcpy(line, con.line, sizeof line);
    con.full = false;
    hal_event_set(con.taken);
    run(line);
    report_pending();
}
