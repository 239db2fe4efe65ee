/* eth_chip.h — the Ethernet MAC/PHY driver API: the firmware's door to the
 * wired port (ARCHITECTURE.md, "Images and the rig"), the counterpart of wifi_chip.h.
 *
 * Shaped like the Ethernet drivers of MicroPython's stm32 port (eth.c) and
 * ESP-IDF's esp_eth: an on-chip MAC with a clause-22 PHY (LAN8742-class) on
 * MDIO. There is one port, so no handle.
 *
 *   this API              what the MAC/PHY does
 *   eth_set_up(true)      MAC clocks and DMA on; PHY out of power-down
 *                         (BMCR.PD = 0) with autonegotiation enabled and
 *                         restarted (BMCR.ANEN, BMCR.ANRESTART). Nothing is
 *                         sent; the link comes up when negotiation completes.
 *   eth_set_up(false)     PHY into power-down (BMCR.PD = 1), MAC off: the link
 *                         drops at once, frames in flight are lost
 *   eth_is_up             — (the driver's power state)
 *   eth_get_mac           — (the address the MAC filters on, from the board)
 *   eth_link_status       BMSR.LinkStatus and BMSR.ANComplete, with the PHY's
 *                         energy detect for "cable in, negotiating"
 *   eth_send              one frame into the MAC's TX DMA; the MAC pads it to
 *                         the 64-byte minimum and appends the FCS
 *   callbacks.process_ethernet   a frame passed the MAC's address filter
 *                                (own MAC, broadcast, multicast)
 *   callbacks.link_up/down       the PHY's link interrupt (BMSR.LinkStatus changed)
 *
 * Autonegotiation takes time on the wire (about 1.5 s on the rig by
 * default), so poll eth_link_status or wait for link_up after eth_set_up.
 * A pulled cable is seen by eth_link_status at once; link_down follows at
 * the next yield point.
 *
 * Calls return at once. Callbacks run at the firmware's yield points (while a
 * task sleeps or waits), never inside another call of this API, and must not
 * block. eth_send returns ETH_EPERM while the port is powered down;
 * eth_get_mac works at any time (the address is the board's). On a board
 * without an Ethernet port every call fails with ETH_EIO (or reports down). */
#ifndef LINKRIG_ETH_CHIP_H
#define LINKRIG_ETH_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_LINK_DOWN 0        /* powered down or no cable */
#define ETH_LINK_NEGOTIATING 1 /* cable in, autonegotiation running */
#define ETH_LINK_UP 2          /* autonegotiation complete: frames pass */

enum {
    ETH_OK = 0,
    ETH_EPERM = -1,   /* port powered down */
    ETH_EINVAL = -2,  /* bad argument (frame shorter than a header, longer than 1518 bytes) */
    ETH_ENOLINK = -3, /* no link: the frame was lost on the way out */
    ETH_EIO = -4,     /* no Ethernet port on this board */
};

typedef struct eth_callbacks {
    void *ctx;
    void (*process_ethernet)(void *ctx, size_t len, const uint8_t *frame);
    void (*link_up)(void *ctx);
    void (*link_down)(void *ctx);
} eth_callbacks;

/* NULL clears them. */
void eth_set_callbacks(const eth_callbacks *cb);

int eth_set_up(bool up);
bool eth_is_up(void);
int eth_get_mac(uint8_t mac[6]);
/* ETH_LINK_*; ETH_LINK_DOWN while powered down. */
int eth_link_status(void);
int eth_send(size_t len, const void *frame);

#endif
