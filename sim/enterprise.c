/* A scenario's WPA3 and Enterprise networks in a run (enterprise.h). */
#include "sim/enterprise.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eap/freeradius.h"
#include "sim/capture.h"
#include "sim/radius_link.h"

#define RADIUS_PORT 1812     /* RFC 2865 3: the authentication port */
#define NAS_UDP_PORT 32768   /* the AP's source port as the capture shows it */

struct ent_ap {
    struct enterprise *e;
    int index;
    ap *a;
    freeradius *srv;
    radius_link *link;
    uint16_t ip_id;
};

typedef struct enterprise {
    world *w;
    struct ent_ap aps[WORLD_MAX_APS];
    int naps;
} enterprise;

void enterprise_ap_config(const scn_ap *a, int index, world_ap_config *ac)
{
    switch (a->security) {
    case SCN_SEC_WPA3:
        /* SAE only: the passphrase is the SAE password, no PSK AKM */
        ac->ap.sae_password = a->passphrase;
        ac->ap.passphrase = NULL;
        break;
    case SCN_SEC_WPA3_TRANSITION:
        ac->ap.sae_password = a->passphrase; /* with the passphrase too: both AKMs */
        break;
    case SCN_SEC_WPA2_ENTERPRISE:
        ac->ap.passphrase = NULL;
        ac->ap.radius_secret = a->radius.secret;
        ac->ap.nas_ip = ENTERPRISE_NAS_IP(index);
        break;
    default:
        break;
    }
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    return sum;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* The packet as it would cross the AP's LAN: Ethernet II, IPv4 (RFC 791,
 * header checksum), UDP (RFC 768, checksum over the pseudo-header). */
static void on_capture(void *ctx, bool to_server, const uint8_t *pkt, size_t len)
{
    struct ent_ap *x = ctx;
    capture *cap = world_wire_capture(x->e->w);
    if (cap == NULL || len > 4096)
        return;
    uint8_t f[14 + 20 + 8 + 4096];
    const uint8_t nas_mac[6] = {0x02, 0xa0, 0x00, 0x00, 0xd1, (uint8_t)(x->index + 1)};
    const uint8_t srv_mac[6] = {0x02, 0x00, 0x00, 0x00, 0xfa, 0xd1};
    memcpy(f, to_server ? srv_mac : nas_mac, 6);
    memcpy(f + 6, to_server ? nas_mac : srv_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *udp = ip + 20;
    uint32_t src = to_server ? ENTERPRISE_NAS_IP(x->index) : ENTERPRISE_SERVER_IP;
    uint32_t dst = to_server ? ENTERPRISE_SERVER_IP : ENTERPRISE_NAS_IP(x->index);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(20 + 8 + len));
    put16(ip + 4, x->ip_id++);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 17;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    put16(udp, to_server ? NAS_UDP_PORT : RADIUS_PORT);
    put16(udp + 2, to_server ? RADIUS_PORT : NAS_UDP_PORT);
    put16(udp + 4, (uint32_t)(8 + len));
    put16(udp + 6, 0);
    memcpy(udp + 8, pkt, len);
    uint8_t pseudo[12];
    put32(pseudo, src);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 17;
    put16(pseudo + 10, (uint32_t)(8 + len));
    uint16_t c = csum_fold(csum_add(csum_add(0, pseudo, 12), udp, 8 + len));
    put16(udp + 6, c == 0 ? 0xffff : c);
    capture_write(cap, sim_now(world_sim(x->e->w)), f, 14 + 20 + 8 + len);
}

static void on_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
    struct ent_ap *x = ctx;
    ap_radius_receive(x->a, pkt, len);
}

static void enterprise_free(void *ctx)
{
    enterprise *e = ctx;
    if (e == NULL)
        return;
    for (int i = 0; i < e->naps; i++) {
        if (e->aps[i].a != NULL)
            ap_set_radius(e->aps[i].a, NULL, NULL);
        radius_link_destroy(e->aps[i].link);
        freeradius_stop(e->aps[i].srv);
    }
    free(e);
}

int enterprise_start(const scenario *s, world *w, const char *dir, sim_err *err)
{
    int want = 0;
    for (int i = 0; i < s->naps; i++)
        want += s->aps[i].security == SCN_SEC_WPA2_ENTERPRISE;
    if (want == 0)
        return SIM_OK;
    enterprise *e = calloc(1, sizeof *e);
    if (e == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory for the RADIUS servers");
    e->w = w;
    world_on_destroy(w, enterprise_free, e);
    char top[1100];
    snprintf(top, sizeof top, "%s/radius", dir);
    if (mkdir(top, 0755) != 0 && access(top, W_OK) != 0)
        return sim_err_set(err, SIM_EIO, "cannot create %s", top);
    for (int i = 0; i < s->naps; i++) {
        const scn_ap *a = &s->aps[i];
        if (a->security != SCN_SEC_WPA2_ENTERPRISE)
            continue;
        struct ent_ap *x = &e->aps[e->naps++];
        x->e = e;
        x->index = i;
        x->a = world_ap(w, i);
        char rdir[1200];
        snprintf(rdir, sizeof rdir, "%s/%s", top, a->name);
        freeradius_user users[SCN_MAX_RADIUS_USERS];
        freeradius_client_cert certs[SCN_MAX_CLIENT_CERTS];
        for (int k = 0; k < a->radius.nusers; k++)
            users[k] = (freeradius_user){a->radius.users[k].name, a->radius.users[k].password};
        for (int k = 0; k < a->radius.nclient_certs; k++)
            certs[k] = (freeradius_client_cert){a->radius.client_certs[k].cn, a->radius.client_certs[k].revoked};
        freeradius_config fc = {
            .dir = rdir,
            .secret = a->radius.secret,
            .users = users,
            .nusers = (size_t)a->radius.nusers,
            .client_certs = certs,
            .nclient_certs = (size_t)a->radius.nclient_certs,
            .server_cert_expired = a->radius.server_cert == SCN_CERT_EXPIRED,
            .server_cert_untrusted = a->radius.server_cert == SCN_CERT_UNTRUSTED,
            /* another FreeRADIUS binary (README, "Enterprise and WPA3 networks") */
            .binary = getenv("LINKRIG_FREERADIUS") && *getenv("LINKRIG_FREERADIUS") ? getenv("LINKRIG_FREERADIUS")
                                                                                 : NULL,
        };
        int code = 0;
        char msg[512];
        x->srv = freeradius_start(&fc, &code, msg, sizeof msg);
        if (x->srv == NULL)
            return sim_err_set(err, SIM_EINVAL, "%s:%d: world.aps[%s] is wpa2-enterprise: %s%s", s->path, a->line,
                               a->name, msg,
                               code == FREERADIUS_ENOTFOUND ? " (install Debian's freeradius: tools/setup.sh)" : "");
        char name[48];
        snprintf(name, sizeof name, "%s.radius", a->name);
        x->link = radius_link_create(world_sim(w), name, freeradius_port(x->srv), a->radius.latency, on_deliver, x,
                                     err);
        if (x->link == NULL)
            return SIM_EIO;
        radius_link_set_capture(x->link, on_capture, x);
        ap_set_radius(x->a, radius_link_send, x->link);
    }
    return SIM_OK;
}

static struct ent_ap *find_ap(world *w, int ap_index)
{
    enterprise *e = world_on_destroy_ctx(w);
    for (int i = 0; e != NULL && i < e->naps; i++)
        if (e->aps[i].index == ap_index)
            return &e->aps[i];
    return NULL;
}

bool enterprise_set_down(world *w, int ap_index, bool down)
{
    struct ent_ap *x = find_ap(w, ap_index);
    if (x != NULL)
        radius_link_set_down(x->link, down);
    return x != NULL;
}

bool enterprise_set_latency(world *w, int ap_index, sim_time latency)
{
    struct ent_ap *x = find_ap(w, ap_index);
    if (x != NULL)
        radius_link_set_latency(x->link, latency);
    return x != NULL;
}

int enterprise_settings(const scenario *s, world *w, board *b, sim_err *err)
{
    int rc = SIM_OK;
    if (s->fw_security[0] != '\0')
        rc = board_config_set(b, "wlan.security", s->fw_security, err);
    if (rc != SIM_OK || s->fw_eap_method[0] == '\0')
        return rc;
    const char *kv[][2] = {{"wlan.eap.method", s->fw_eap_method},
                           {"wlan.eap.identity", s->fw_eap_identity},
                           {"wlan.eap.anonymous_identity", s->fw_eap_anonymous},
                           {"wlan.eap.password", s->fw_eap_password}};
    for (size_t i = 0; rc == SIM_OK && i < sizeof kv / sizeof kv[0]; i++)
        rc = board_config_set(b, kv[i][0], kv[i][1], err);
    /* The CA and client certificates are the first Enterprise AP's server's */
    enterprise *e = world_on_destroy_ctx(w);
    freeradius *srv = e != NULL && e->naps > 0 ? e->aps[0].srv : NULL;
    if (rc == SIM_OK && s->fw_eap_ca && srv != NULL)
        rc = board_config_set(b, "wlan.eap.ca_cert", freeradius_ca_pem(srv), err);
    if (rc == SIM_OK && s->fw_eap_client_cert[0] != '\0') {
        const char *cert = NULL, *key = NULL;
        if (srv == NULL || freeradius_client_pem(srv, s->fw_eap_client_cert, &cert, &key) != 0)
            return sim_err_set(err, SIM_EINVAL, "%s: firmware.eap.client_cert: '%s' is not among the radius "
                                                "client_certs of a wpa2-enterprise AP", s->path,
                               s->fw_eap_client_cert);
        rc = board_config_set(b, "wlan.eap.client_cert", cert, err);
        if (rc == SIM_OK)
            rc = board_config_set(b, "wlan.eap.client_key", key, err);
    }
    return rc;
}
