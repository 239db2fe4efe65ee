/* The Ethernet driver API (eth_chip.h) implemented on the MAC/PHY model.
 *
 * As in chip_driver.c: commands go straight to the model, and the model's
 * events (from scheduler events) enter the firmware through board_call, so
 * they run at the firmware's yield points. */
#include <stdlib.h>
#include <string.h>

#include "eth_chip.h"
#include "firmware_shim/board.h"
#include "sim/ethphy.h"
#include "sim/trace.h"

/* Status polls, recorded only when their value changes (eth_note). */
enum { ETH_POLL_NONE = -1, ETH_POLL_LINK, ETH_POLL_IS_UP, ETH_NPOLLS };

struct eth_drv {
    board *b;
    ethphy *p;
    eth_callbacks cb;
    int polled[ETH_NPOLLS]; /* the value each status poll returned last */
    bool polled_once[ETH_NPOLLS];
};

/* What a call costs the calling task (see board_chip_cost). The port is an
 * on-chip MAC with a clause-22 PHY on MDIO (IEEE 802.3 clause 22.2.4.5: a
 * 64-bit management frame, at the usual 2.5 MHz MDC about 26 us):
 *  - eth_link_status reads BMSR: one MDIO frame, 26 us;
 *  - eth_set_up writes BMCR and reads it back, plus the MAC's DMA set-up:
 *    about 100 us;
 *  - eth_send hands a descriptor to the MAC's DMA: about 2 us, not a yield
 *    point (lwIP sends from inside its own processing). */
#define ETH_COST_MDIO SIM_US(26)
#define ETH_COST_SET_UP SIM_US(100)
#define ETH_COST_TX SIM_US(2)

static struct eth_drv *drv_of(void *vb)
{
    return board_eth_driver(vb);
}

static int map_err(int rc)
{
    switch (rc) {
    case ETHPHY_OK: return ETH_OK;
    case ETHPHY_EPERM: return ETH_EPERM;
    case ETHPHY_EINVAL: return ETH_EINVAL;
    case ETHPHY_ENOLINK: return ETH_ENOLINK;
    default: return ETH_EIO;
    }
}

/* The rig's record of a call the firmware made and what it returned: event
 * "eth" under the device's own component, as chip_driver.c's chip_note
 * (status polls only when their value changed). Returns rc. */
static int eth_note(struct eth_drv *d, int poll, const char *call, int rc, const char *key, int64_t val)
{
    if (poll >= 0) {
        if (d->polled_once[poll] && d->polled[poll] == rc)
            return rc;
        d->polled_once[poll] = true;
        d->polled[poll] = rc;
    }
    sim_trace_rec *t = sim_trace_begin(sim_trace_of(board_sim(d->b)), SIM_LOG_INFO, board_name(d->b), "eth");
    sim_trace_str(t, "call", call);
    sim_trace_int(t, "rc", rc);
    if (key != NULL)
        sim_trace_int(t, key, val);
    sim_trace_end(t);
    return rc;
}

/* ---- PHY events into the firmware ---- */

struct rx_call {
    struct eth_drv *d;
    const uint8_t *frame;
    size_t len;
};

static void fw_process_ethernet(void *arg)
{
    struct rx_call *c = arg;
    c->d->cb.process_ethernet(c->d->cb.ctx, c->len, c->frame);
}

static void on_rx(void *ctx, const uint8_t *frame, size_t len)
{
    struct eth_drv *d = ctx;
    if (d->cb.process_ethernet == NULL)
        return;
    struct rx_call c = {d, frame, len};
    board_call(d->b, fw_process_ethernet, &c);
}

static void fw_link_up(void *arg)
{
    struct eth_drv *d = arg;
    d->cb.link_up(d->cb.ctx);
}

static void on_link_up(void *ctx)
{
    struct eth_drv *d = ctx;
    if (d->cb.link_up)
        board_call(d->b, fw_link_up, d);
}

static void fw_link_down(void *arg)
{
    struct eth_drv *d = arg;
    d->cb.link_down(d->cb.ctx);
}

static void on_link_down(void *ctx)
{
    struct eth_drv *d = ctx;
    if (d->cb.link_down)
        board_call(d->b, fw_link_down, d);
}

static void drv_free(void *arg)
{
    struct eth_drv *d = arg;
    ethphy_set_host(d->p, NULL);
    free(d);
}

int board_attach_ethphy(board *b, struct ethphy *p, sim_err *err)
{
    if (b == NULL || p == NULL)
        return sim_err_set(err, SIM_EINVAL, "board_attach_ethphy: needs a board and a PHY");
    struct eth_drv *d = calloc(1, sizeof *d);
    if (d == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory attaching the Ethernet PHY");
    d->b = b;
    d->p = p;
    ethphy_host_ops ops = {
        .ctx = d,
        .rx = on_rx,
        .link_up = on_link_up,
        .link_down = on_link_down,
    };
    ethphy_set_host(p, &ops);
    board_set_eth_driver(b, d, drv_free);
    return SIM_OK;
}

/* ---- the API the firmware calls ---- */

static void drv_eth_set_callbacks(void *vb, const eth_callbacks *cb)
{
    struct eth_drv *d = drv_of(vb);
    if (d == NULL)
        return;
    if (cb)
        d->cb = *cb;
    else
        memset(&d->cb, 0, sizeof d->cb);
}

static int drv_eth_set_up(void *vb, bool up)
{
    struct eth_drv *d = drv_of(vb);
    if (d == NULL)
        return ETH_EIO;
    return eth_note(d, ETH_POLL_NONE, "eth_set_up", map_err(ethphy_power(d->p, up)), "up", up);
}

static bool drv_eth_is_up(void *vb)
{
    struct eth_drv *d = drv_of(vb);
    return d != NULL && eth_note(d, ETH_POLL_IS_UP, "eth_is_up", ethphy_powered(d->p), NULL, 0);
}

static int drv_eth_get_mac(void *vb, uint8_t mac[6])
{
    struct eth_drv *d = drv_of(vb);
    if (d == NULL)
        return ETH_EIO;
    if (mac == NULL)
        return ETH_EINVAL;
    ethphy_get_mac(d->p, mac);
    return ETH_OK;
}

static int drv_eth_link_status(void *vb)
{
    struct eth_drv *d = drv_of(vb);
    if (d == NULL)
        return ETH_LINK_DOWN;
    int s = ETH_LINK_DOWN;
    switch (ethphy_link_state(d->p)) {
    case ETHPHY_LINK_UP: s = ETH_LINK_UP; break;
    case ETHPHY_LINK_NEGOTIATING: s = ETH_LINK_NEGOTIATING; break;
    default: break;
    }
    return eth_note(d, ETH_POLL_LINK, "eth_link_status", s, NULL, 0);
}

static int drv_eth_send(void *vb, size_t len, const void *frame)
{
    struct eth_drv *d = drv_of(vb);
    if (d == NULL)
        return ETH_EIO;
    if (frame == NULL)
        return ETH_EINVAL;
    return map_err(ethphy_send(d->p, frame, len));
}

/* The call acts at once; its time is spent after (see chip_driver.c). */
static int drv_eth_set_up_costed(void *vb, bool up)
{
    int rc = drv_eth_set_up(vb, up);
    if (drv_of(vb) != NULL)
        board_chip_cost(vb, ETH_COST_SET_UP, true);
    return rc;
}

static int drv_eth_link_status_costed(void *vb)
{
    int rc = drv_eth_link_status(vb);
    if (drv_of(vb) != NULL)
        board_chip_cost(vb, ETH_COST_MDIO, true);
    return rc;
}

static int drv_eth_send_costed(void *vb, size_t len, const void *frame)
{
    int rc = drv_eth_send(vb, len, frame);
    if (drv_of(vb) != NULL)
        board_chip_cost(vb, ETH_COST_TX, false);
    return rc;
}

void eth_driver_fill_ops(linkrig_board_ops *o);
void eth_driver_fill_ops(linkrig_board_ops *o)
{
    o->eth_set_callbacks = drv_eth_set_callbacks;
    o->eth_set_up = drv_eth_set_up_costed;
    o->eth_is_up = drv_eth_is_up;
    o->eth_get_mac = drv_eth_get_mac;
    o->eth_link_status = drv_eth_link_status_costed;
    o->eth_send = drv_eth_send_costed;
}
