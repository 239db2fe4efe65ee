/* The LAN half of the network API (see network.h), on the Ethernet driver
 * API and its lwIP netif glue, with the semantics of MicroPython's
 * network.LAN (stm32 port): active(True) powers the MAC/PHY and the link
 * comes up by itself once the cable is in and autonegotiation is done;
 * active(False) powers it down and forgets the address.
 *
 * Settings (hal_config_*): lan.hostname (default "camera"), read at each
 * activation, sent in DHCP option 12. */
#include <stdio.h>

#include "eth_chip.h"
#include "eth_netif.h"
#include "hal.h"
#include "lwip/dns.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "net_internal.h"
#include "network.h"

/* The port's state lives in the driver (power, link) and in lwIP (the
 * netif), so the interface object is only an identity, like MicroPython's
 * network_lan_eth0 singleton. It is const: nothing here is mutable global
 * state, and the cast in lan_get only gives callers the opaque handle. */
struct lan {
    const char *name;
};
static const struct lan eth0 = {"eth0"};

static int eth_error(int rc, const char *what)
{
    char msg[128];
    switch (rc) {
    case ETH_OK: return NET_OK;
    case ETH_EPERM:
        snprintf(msg, sizeof msg, "%s: LAN interface not active", what);
        return net_set_error(NET_EPERM, msg);
    case ETH_EINVAL:
        snprintf(msg, sizeof msg, "%s: invalid argument", what);
        return net_set_error(NET_EINVAL, msg);
    case ETH_ENOLINK:
        snprintf(msg, sizeof msg, "%s: no link (cable out or negotiating)", what);
        return net_set_error(NET_ENOTCONN, msg);
    default:
        snprintf(msg, sizeof msg, "%s: this board has no Ethernet port", what);
        return net_set_error(NET_ENOTSUP, msg);
    }
}

lan *lan_get(void)
{
    return (lan *)&eth0;
}

int lan_active(lan *l, int on)
{
    if (l == NULL)
        return net_set_error(NET_EINVAL, "active: no interface");
    if (on == WLAN_QUERY)
        return eth_is_up() ? 1 : 0;
    if (on) {
        int rc = eth_set_up(true);
        if (rc != ETH_OK)
            return eth_error(rc, "active");
        /* The netif exists from the first activation on. Adding it after
         * the power-up is safe: the link cannot come up inside this call
         * (negotiation takes time, and events wait for a yield point). */
        if (eth_netif() == NULL && eth_netif_init(hal_config_str("lan.hostname", "camera")) == NULL) {
            eth_set_up(false);
            return net_set_error(NET_EIO, "active: lwIP could not add the network interface");
        }
    } else {
        int rc = eth_set_up(false);
        if (rc != ETH_OK)
            return eth_error(rc, "active");
        eth_netif_stop();
    }
    HAL_TRACE("lan_active", HAL_INT("on", on != 0));
    return NET_OK;
}

int lan_status(lan *l)
{
    /* The PHY's own link bit, read now, so a pulled cable shows at once
     * (before the link-down callback has reached lwIP). */
    if (l == NULL || eth_link_status() != ETH_LINK_UP)
        return STAT_IDLE;
    return eth_netif_has_ip() ? STAT_GOT_IP : STAT_NO_IP;
}

bool lan_isconnected(lan *l)
{
    return lan_status(l) == STAT_GOT_IP;
}

static void quad(char *out, const ip4_addr_t *a)
{
    snprintf(out, 16, "%s", ip4addr_ntoa(a));
}

int lan_ifconfig(lan *l, net_ifconfig *out)
{
    if (l == NULL || out == NULL)
        return net_set_error(NET_EINVAL, "ifconfig: bad arguments");
    struct netif *n = eth_netif();
    ip4_addr_t zero;
    ip4_addr_set_zero(&zero);
    quad(out->ip, n ? netif_ip4_addr(n) : &zero);
    quad(out->netmask, n ? netif_ip4_netmask(n) : &zero);
    quad(out->gateway, n ? netif_ip4_gw(n) : &zero);
    const ip_addr_t *dns = dns_getserver(0);
    snprintf(out->dns, sizeof out->dns, "%s", dns ? ipaddr_ntoa(dns) : "0.0.0.0");
    return NET_OK;
}

int lan_config_mac(lan *l, uint8_t mac[6])
{
    if (l == NULL || mac == NULL)
        return net_set_error(NET_EINVAL, "config('mac'): bad arguments");
    return eth_error(eth_get_mac(mac), "config('mac')");
}
