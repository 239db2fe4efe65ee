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

struct eth_drv {
    board *b;
    ethphy *p;
    eth_callbacks cb;
};

static struct eth_drv *drv_of_board(void)
{
    board *b = board_current();
    return b ? board_eth_driver(b) : NULL;
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

void eth_set_callbacks(const eth_callbacks *cb)
{
    struct eth_drv *d = drv_of_board();
    if (d == NULL)
        return;
    if (cb)
        d->cb = *cb;
    else
        memset(&d->cb, 0, sizeof d->cb);
}

int eth_set_up(bool up)
{
    struct eth_drv *d = drv_of_board();
    if (d == NULL)
        return ETH_EIO;
    return map_err(ethphy_power(d->p, up));
}

bool eth_is_up(void)
{
    struct eth_drv *d = drv_of_board();
    return d != NULL && ethphy_powered(d->p);
}

int eth_get_mac(uint8_t mac[6])
{
    struct eth_drv *d = drv_of_board();
    if (d == NULL)
        return ETH_EIO;
    if (mac == NULL)
        return ETH_EINVAL;
    ethphy_get_mac(d->p, mac);
    return ETH_OK;
}

int eth_link_status(void)
{
    struct eth_drv *d = drv_of_board();
    if (d == NULL)
        return ETH_LINK_DOWN;
    switch (ethphy_link_state(d->p)) {
    case ETHPHY_LINK_UP: return ETH_LINK_UP;
    case ETHPHY_LINK_NEGOTIATING: return ETH_LINK_NEGOTIATING;
    default: return ETH_LINK_DOWN;
    }
}

int eth_send(size_t len, const void *frame)
{
    struct eth_drv *d = drv_of_board();
    if (d == NULL)
        return ETH_EIO;
    if (frame == NULL)
        return ETH_EINVAL;
    return map_err(ethphy_send(d->p, frame, len));
}
