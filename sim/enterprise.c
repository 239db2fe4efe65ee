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
#include "sim/trace.h"

#define RADIUS_PORT 1812     /* RFC 2865 3: the authentication port */
#define NAS_UDP_PORT 32768   /* the AP's source port as the capture shows it */

struct ent_ap {
    struct enterprise *e;
    int index;
    ap *a;
    freeradius *srv;
    radius_link *link;
    uint16_t ip_id;
    /* What the server presents and accepts now (the credential faults):
     * the scenario's radius: block, changed by radius_server_cert,
     * radius_revoke and radius_user. */
    const scn_ap *sa;
    int server_cert;
    bool revoked[SCN_MAX_CLIENT_CERTS];
    bool removed[SCN_MAX_RADIUS_USERS];
    char password[SCN_MAX_RADIUS_USERS][64];
};

/* The server's files as x's state says: removed users left out. */
struct ent_conf {
    freeradius_user users[SCN_MAX_RADIUS_USERS];
    freeradius_client_cert certs[SCN_MAX_CLIENT_CERTS];
    freeradius_config fc;
};

static void ent_config(const struct ent_ap *x, const char *dir, struct ent_conf *c)
{
    const scn_radius *r = &x->sa->radius;
    size_t nusers = 0;
    memset(c, 0, sizeof *c);
    for (int k = 0; k < r->nusers; k++)
        if (!x->removed[k])
            c->users[nusers++] = (freeradius_user){r->users[k].name, x->password[k]};
    for (int k = 0; k < r->nclient_certs; k++)
        c->certs[k] = (freeradius_client_cert){r->client_certs[k].cn, x->revoked[k]};
    c->fc = (freeradius_config){
        .dir = dir,
        .secret = r->secret,
        .users = c->users,
        .nusers = nusers,
        .client_certs = c->certs,
        .nclient_certs = (size_t)r->nclient_certs,
        .server_cert_expired = x->server_cert == SCN_CERT_EXPIRED,
        .server_cert_untrusted = x->server_cert == SCN_CERT_UNTRUSTED,
        /* another FreeRADIUS binary (README, "Enterprise and WPA3 networks") */
        .binary = getenv("LINKRIG_FREERADIUS") && *getenv("LINKRIG_FREERADIUS") ? getenv("LINKRIG_FREERADIUS") : NULL,
    };
}

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
        x->sa = a;
        x->server_cert = a->radius.server_cert;
        for (int k = 0; k < a->radius.nclient_certs; k++)
            x->revoked[k] = a->radius.client_certs[k].revoked;
        for (int k = 0; k < a->radius.nusers; k++)
            snprintf(x->password[k], sizeof x->password[k], "%s", a->radius.users[k].password);
        struct ent_conf conf;
        ent_config(x, rdir, &conf);
        /* One PKI for the world: a device is given one CA (the first
         * Enterprise AP's server's) and must trust every AP's server to
         * roam between them, as in an ESS behind one RADIUS service. */
        conf.fc.authority = e->naps > 1 ? e->aps[0].srv : NULL;
        int code = 0;
        char msg[512];
        x->srv = freeradius_start(&conf.fc, &code, msg, sizeof msg);
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

/* The server restarted with x's state (freeradius_reconfigure; virtual time
 * stands still meanwhile). A server that cannot restart stays down: the
 * AP's requests go unanswered, and the trace says why. */
static int ent_apply(struct ent_ap *x, sim_err *err)
{
    char msg[512];
    struct ent_conf conf;
    ent_config(x, NULL, &conf); /* the folder is the server's own: freeradius keeps it */
    int rc = freeradius_reconfigure(x->srv, &conf.fc, msg, sizeof msg);
    sim *s = world_sim(x->e->w);
    char comp[48];
    snprintf(comp, sizeof comp, "%s.radius", x->sa->name);
    sim_trace_rec *t = sim_trace_begin(sim_trace_of(s), rc == 0 ? SIM_LOG_INFO : SIM_LOG_ERROR, comp,
                                       rc == 0 ? "radius_restart" : "radius_restart_failed");
    if (t != NULL) {
        static const char *const certs[] = {"ok", "expired", "untrusted"};
        sim_trace_str(t, "server_cert", certs[x->server_cert]);
        if (rc != 0)
            sim_trace_str(t, "msg", msg);
        sim_trace_end(t);
    }
    if (rc != 0)
        return sim_err_set(err, SIM_EIO, "%s's RADIUS server did not restart: %s", x->sa->name, msg);
    return radius_link_set_port(x->link, freeradius_port(x->srv), err);
}

int enterprise_set_server_cert(world *w, int ap_index, int cert, sim_err *err)
{
    struct ent_ap *x = find_ap(w, ap_index);
    if (x == NULL || cert < SCN_CERT_OK || cert > SCN_CERT_UNTRUSTED)
        return sim_err_set(err, SIM_EINVAL, "no RADIUS server, or no such certificate");
    if (x->server_cert == cert)
        return SIM_OK;
    x->server_cert = cert;
    return ent_apply(x, err);
}

int enterprise_set_revoked(world *w, int ap_index, const char *cn, bool revoked, sim_err *err)
{
    struct ent_ap *x = find_ap(w, ap_index);
    if (x == NULL)
        return sim_err_set(err, SIM_EINVAL, "no RADIUS server");
    for (int k = 0; k < x->sa->radius.nclient_certs; k++)
        if (strcmp(x->sa->radius.client_certs[k].cn, cn) == 0) {
            if (x->revoked[k] == revoked)
                return SIM_OK;
            x->revoked[k] = revoked;
            return ent_apply(x, err);
        }
    return sim_err_set(err, SIM_EINVAL, "%s's RADIUS server made no client certificate '%s'", x->sa->name, cn);
}

int enterprise_set_user(world *w, int ap_index, const char *name, const char *password, sim_err *err)
{
    struct ent_ap *x = find_ap(w, ap_index);
    if (x == NULL)
        return sim_err_set(err, SIM_EINVAL, "no RADIUS server");
    for (int k = 0; k < x->sa->radius.nusers; k++)
        if (strcmp(x->sa->radius.users[k].name, name) == 0) {
            bool removed = password == NULL;
            if (x->removed[k] == removed && (removed || strcmp(x->password[k], password) == 0))
                return SIM_OK;
            x->removed[k] = removed;
            if (!removed)
                snprintf(x->password[k], sizeof x->password[k], "%s", password);
            return ent_apply(x, err);
        }
    return sim_err_set(err, SIM_EINVAL, "%s's RADIUS server has no user '%s'", x->sa->name, name);
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
