/* The cyw43-driver's API (cyw43.h) over the rig's chip (wifi_chip.h), and
 * the lwIP glue the driver's cyw43_lwip.c is on a Pico W: the layer's own,
 * with cyw43_state.netif[] as the device's netif (wifi_netif.c is not
 * used). Chip callbacks arrive at the program's blocking points, so lwIP is
 * only ever entered from one context, as NO_SYS=1 requires; each one also
 * wakes cyw43_arch's async context, as the chip's interrupt does. */
#include <string.h>

#include "cyw43.h"
#include "hal.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "pico_rig_internal.h"
#include "wifi_chip.h"
#if LWIP_IPV6
#include "lwip/ethip6.h"
#endif

cyw43_t cyw43_state;
void (*cyw43_poll)(void);
uint32_t cyw43_sleep;

/* Driver state the SDK's cyw43_t keeps inside cyw43_ll_t. */
static struct {
    bool chip_on;
    uint32_t pm;
    bool ioctl_noted;
    bool gpio[CYW43_WL_GPIO_COUNT];
} drv;

static int from_chip(int rc)
{
    switch (rc) {
    case CHIP_OK: return 0;
    case CHIP_EPERM: return -CYW43_EPERM;
    case CHIP_EINVAL: return -CYW43_EINVAL;
    case CHIP_ETIMEDOUT: return -CYW43_ETIMEDOUT;
    default: return -CYW43_EIO; /* EBUSY (scan running), ENOTCONN, EIO */
    }
}

/* The driver's cyw43_ensure_up: power the chip and load its firmware on the
 * first call that needs it. */
static int ensure_up(void)
{
    if (drv.chip_on)
        return 0;
    int rc = chip_wifi_set_up(CHIP_ITF_STA, true);
    if (rc != CHIP_OK) {
        hal_log(HAL_LOG_WARN, "cyw43: the chip did not power up (%d)", rc);
        return from_chip(rc);
    }
    drv.chip_on = true;
    return 0;
}

/* ---- lwIP netif glue (cyw43_lwip.c's part) ---- */

static bool sta_added(const cyw43_t *self)
{
    return (self->itf_state & (1u << CYW43_ITF_STA)) != 0;
}

static bool itf_added(const cyw43_t *self, int itf)
{
    return (self->itf_state & (1u << itf)) != 0;
}

static err_t nif_linkoutput(struct netif *n, struct pbuf *p)
{
    cyw43_t *self = n->state;
    int itf = n == &self->netif[CYW43_ITF_AP] ? CYW43_ITF_AP : CYW43_ITF_STA;
    return cyw43_send_ethernet(self, itf, p->tot_len, p, true) == 0 ? ERR_OK : ERR_IF;
}

static err_t nif_init(struct netif *n)
{
    cyw43_t *self = n->state;
    n->linkoutput = nif_linkoutput;
#if LWIP_IPV4
    n->output = etharp_output;
#endif
#if LWIP_IPV6
    n->output_ip6 = ethip6_output;
#endif
    n->mtu = 1500;
    n->hwaddr_len = 6;
    cyw43_wifi_get_mac(self, n == &self->netif[CYW43_ITF_AP] ? CYW43_ITF_AP : CYW43_ITF_STA, n->hwaddr);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
#if LWIP_IGMP
    n->flags |= NETIF_FLAG_IGMP;
#endif
#if LWIP_IPV6 && LWIP_IPV6_MLD
    n->flags |= NETIF_FLAG_MLD6;
#endif
    return ERR_OK;
}

/* The AP interface's netif: cyw43_lwip.c gives it 192.168.4.1/24 and the
 * same address as gateway, link up at once; its DHCP server exists only
 * with CYW43_NETUTILS, which the SDK does not set, so programs bring their
 * own (pico-examples' access_point does). Unlike the STA netif it is not
 * made the default route here (an assumption: the rig does not know which
 * the driver's default is when both interfaces are up). */
static void ap_tcpip_init(cyw43_t *self)
{
    struct netif *n = &self->netif[CYW43_ITF_AP];
#if LWIP_IPV4
    ip4_addr_t ip, mask;
    IP4_ADDR(&ip, 192, 168, 4, 1);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    if (netif_add(n, &ip, &mask, &ip, self, nif_init, ethernet_input) == NULL)
        panic("cyw43: lwIP could not add the AP netif");
#else
    if (netif_add(n, self, nif_init, ethernet_input) == NULL)
        panic("cyw43: lwIP could not add the AP netif");
#endif
    n->name[0] = 'w';
    n->name[1] = '1';
    netif_set_up(n);
    netif_set_link_up(n);
}

void cyw43_cb_tcpip_init(cyw43_t *self, int itf)
{
    if (itf == CYW43_ITF_AP) {
        ap_tcpip_init(self);
        return;
    }
    if (itf != CYW43_ITF_STA)
        return;
    struct netif *n = &self->netif[itf];
#if LWIP_IPV4
    /* The driver's defaults (cyw43_config.h): no address until DHCP, mask
     * 255.255.255.0, gateway 192.168.0.1, DNS 8.8.8.8. */
    ip4_addr_t ip, mask, gw;
    IP4_ADDR(&ip, 0, 0, 0, 0);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 192, 168, 0, 1);
    if (netif_add(n, &ip, &mask, &gw, self, nif_init, ethernet_input) == NULL)
        panic("cyw43: lwIP could not add the Wi-Fi netif");
#else
    if (netif_add(n, self, nif_init, ethernet_input) == NULL)
        panic("cyw43: lwIP could not add the Wi-Fi netif");
#endif
    n->name[0] = 'w';
    n->name[1] = (char)('0' + itf);
#if LWIP_NETIF_HOSTNAME
    netif_set_hostname(n, CYW43_HOST_NAME);
#endif
    netif_set_default(n);
    netif_set_up(n);
#if LWIP_IPV4 && LWIP_DNS
    ip_addr_t dns;
    IP_ADDR4(&dns, 8, 8, 8, 8);
    dns_setserver(0, &dns);
#endif
#if LWIP_IPV4 && LWIP_DHCP
    /* Started now; lwIP waits for the link to come up before DISCOVER, and
     * at a later link up re-confirms its lease (dhcp_network_changed). */
    dhcp_set_struct(n, &self->dhcp_client);
    dhcp_start(n);
#endif
#if LWIP_IPV6
    netif_create_ip6_linklocal_address(n, 1);
#endif
}

void cyw43_cb_tcpip_deinit(cyw43_t *self, int itf)
{
    if (itf == CYW43_ITF_AP && itf_added(self, itf)) {
        netif_remove(&self->netif[itf]);
        self->netif[itf].flags = 0;
        return;
    }
    if (itf != CYW43_ITF_STA || !sta_added(self))
        return;
    struct netif *n = &self->netif[itf];
#if LWIP_IPV4 && LWIP_DHCP
    dhcp_stop(n);
#endif
    netif_remove(n);
#if LWIP_IPV4
    ip_2_ip4(&n->ip_addr)->addr = 0;
#endif
    n->flags = 0;
}

void cyw43_cb_tcpip_set_link_up(cyw43_t *self, int itf)
{
    if (itf == CYW43_ITF_STA && sta_added(self))
        netif_set_link_up(&self->netif[itf]);
}

void cyw43_cb_tcpip_set_link_down(cyw43_t *self, int itf)
{
    if (itf == CYW43_ITF_STA && sta_added(self))
        netif_set_link_down(&self->netif[itf]);
}

void cyw43_cb_process_ethernet(void *cb_data, int itf, size_t len, const uint8_t *buf)
{
    cyw43_t *self = cb_data;
    itf = itf == CYW43_ITF_AP ? CYW43_ITF_AP : CYW43_ITF_STA;
    struct netif *n = &self->netif[itf];
    if (!itf_added(self, itf) || !(n->flags & NETIF_FLAG_LINK_UP) || len == 0 || len > 0xffff)
        return;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL)
        return; /* out of pbufs: dropped, as on the board */
    pbuf_take(p, buf, (u16_t)len);
    if (n->input(p, n) != ERR_OK)
        pbuf_free(p);
}

int cyw43_tcpip_link_status(cyw43_t *self, int itf)
{
    (void)self;
    if (itf != CYW43_ITF_STA)
        return CYW43_LINK_DOWN;
    /* The chip asks has_ip() below, which reads the netif as the driver's
     * own cyw43_tcpip_link_status does; the board records the poll. */
    return chip_tcpip_link_status(CHIP_ITF_STA);
}

/* ---- the chip's callbacks ---- */

static void cb_frame(void *ctx, int itf, size_t len, const uint8_t *frame)
{
    cyw43_cb_process_ethernet(ctx, itf, len, frame);
    pico_rig_wake_arch();
}

static void cb_link_up(void *ctx, int itf)
{
    cyw43_cb_tcpip_set_link_up(ctx, itf);
    pico_rig_wake_arch();
}

static void cb_link_down(void *ctx, int itf)
{
    cyw43_cb_tcpip_set_link_down(ctx, itf);
    pico_rig_wake_arch();
}

static void cb_scan_done(void *ctx)
{
    cyw43_t *self = ctx;
    self->wifi_scan_state = 0;
    pico_rig_wake_arch();
}

static bool cb_has_ip(void *ctx, int itf)
{
    cyw43_t *self = ctx;
    if (itf != CYW43_ITF_STA || !sta_added(self))
        return false;
    const struct netif *n = &self->netif[itf];
    if ((n->flags & (NETIF_FLAG_UP | NETIF_FLAG_LINK_UP)) != (NETIF_FLAG_UP | NETIF_FLAG_LINK_UP))
        return false;
#if LWIP_IPV4
    return !ip4_addr_isany_val(*netif_ip4_addr(n));
#else
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
        if (ip6_addr_ispreferred(netif_ip6_addr_state(n, i)) && ip6_addr_isglobal(netif_ip6_addr(n, i)))
            return true;
    }
    return false;
#endif
}

/* ---- cyw43.h ---- */

void cyw43_init(cyw43_t *self)
{
    memset(self, 0, sizeof *self);
    memset(&drv, 0, sizeof drv);
    drv.pm = CYW43_DEFAULT_PM;
    /* cyw43_init's AP defaults: channel 3, WPA2-AES, key "picoW123"; the
     * driver's SSID adds MAC digits to "PICO", which needs the chip up. */
    self->ap_channel = 3;
    self->ap_auth = CYW43_AUTH_WPA2_AES_PSK;
    self->ap_key_len = 8;
    memcpy(self->ap_key, "picoW123", 8);
    self->ap_ssid_len = 4;
    memcpy(self->ap_ssid, "PICO", 4);
    chip_callbacks cb = {
        .ctx = self,
        .process_ethernet = cb_frame,
        .link_up = cb_link_up,
        .link_down = cb_link_down,
        .scan_done = cb_scan_done,
        .has_ip = cb_has_ip,
    };
    chip_set_callbacks(&cb);
    self->initted = true;
}

void cyw43_deinit(cyw43_t *self)
{
    if (!self->initted)
        return;
    cyw43_cb_tcpip_deinit(self, CYW43_ITF_STA);
    if (itf_added(self, CYW43_ITF_AP)) {
        chip_wifi_set_up(CHIP_ITF_AP, false);
        cyw43_cb_tcpip_deinit(self, CYW43_ITF_AP);
    }
    self->itf_state = 0;
    if (drv.chip_on) {
        chip_wifi_set_up(CHIP_ITF_STA, false);
        drv.chip_on = false;
    }
    self->wifi_scan_state = 0;
    self->wifi_join_state = 0;
    self->initted = false;
}

int cyw43_ioctl(cyw43_t *self, uint32_t cmd, size_t len, uint8_t *buf, uint32_t iface)
{
    (void)self;
    (void)len;
    (void)buf;
    (void)iface;
    if (!drv.ioctl_noted) {
        drv.ioctl_noted = true;
        hal_log(HAL_LOG_WARN, "cyw43_ioctl(0x%x): raw ioctls are not modelled by linkrig; failing with -CYW43_EIO",
                (unsigned)cmd);
    }
    return -CYW43_EIO;
}

int cyw43_send_ethernet(cyw43_t *self, int itf, size_t len, const void *buf, bool is_pbuf)
{
    (void)self;
    if (itf != CYW43_ITF_STA && itf != CYW43_ITF_AP)
        return -CYW43_EPERM;
    int citf = itf == CYW43_ITF_AP ? CHIP_ITF_AP : CHIP_ITF_STA;
    if (!is_pbuf)
        return from_chip(chip_send_ethernet(citf, len, buf));
    const struct pbuf *p = buf;
    uint8_t frame[1600];
    if (p->tot_len > sizeof frame)
        return -CYW43_EINVAL;
    u16_t n = pbuf_copy_partial(p, frame, p->tot_len, 0);
    int rc = chip_send_ethernet(citf, n, frame);
    /* a frame for a station that left meanwhile is dropped by the chip */
    return rc == CHIP_ENOTCONN && citf == CHIP_ITF_AP ? 0 : from_chip(rc);
}

int cyw43_wifi_pm(cyw43_t *self, uint32_t pm)
{
    (void)self;
    int rc = ensure_up();
    if (rc != 0)
        return rc;
    rc = from_chip(chip_wifi_pm(pm));
    if (rc == 0)
        drv.pm = pm;
    return rc;
}

int cyw43_wifi_get_pm(cyw43_t *self, uint32_t *pm)
{
    (void)self;
    int rc = ensure_up();
    if (rc == 0)
        rc = from_chip(chip_wifi_get_pm(pm));
    return rc;
}

int cyw43_wifi_link_status(cyw43_t *self, int itf)
{
    (void)self;
    if (itf != CYW43_ITF_STA)
        return CYW43_LINK_DOWN; /* the driver documents AP as always DOWN */
    return chip_wifi_link_status(CHIP_ITF_STA);
}

void cyw43_wifi_set_up(cyw43_t *self, int itf, bool up, uint32_t country)
{
    (void)country; /* the rig's chip uses channels 1-13 whatever the country */
    if (!up) {
        if (itf == CYW43_ITF_STA && sta_added(self)) {
            cyw43_cb_tcpip_deinit(self, itf);
            self->itf_state &= (uint8_t)~(1u << itf);
        }
        if (itf == CYW43_ITF_AP && itf_added(self, itf)) {
            chip_wifi_set_up(CHIP_ITF_AP, false);
            cyw43_cb_tcpip_deinit(self, itf);
            self->itf_state &= (uint8_t)~(1u << itf);
        }
        return;
    }
    if (itf == CYW43_ITF_AP) {
        /* cyw43_ctrl.c: cyw43_ensure_up, then cyw43_wifi_ap_init (the
         * stored SSID, key, auth and channel) and cyw43_ll_wifi_ap_set_up;
         * the driver returns nothing, so a refusal is in the log. */
        if (itf_added(self, itf))
            return;
        if (ensure_up() != 0)
            return;
        int rc = chip_wifi_ap_set_config(self->ap_ssid_len, self->ap_ssid, self->ap_key_len, self->ap_key,
                                         self->ap_auth, self->ap_channel ? self->ap_channel : 3);
        if (rc == CHIP_OK)
            rc = chip_wifi_set_up(CHIP_ITF_AP, true);
        if (rc != CHIP_OK) {
            hal_log(HAL_LOG_WARN, "cyw43: the AP interface did not come up (%d): SSID 1..32 bytes, WPA2 key 8..63 "
                                  "characters, channel 1..13", rc);
            return;
        }
        self->itf_state |= (uint8_t)(1u << itf);
        cyw43_cb_tcpip_init(self, itf);
        return;
    }
    if (itf != CYW43_ITF_STA)
        return;
    if (self->itf_state == 0) {
        /* The driver returns quietly when the chip does not come up; the
         * rig says so in the log (ensure_up) and leaves the interface down,
         * so joins fail with -CYW43_EPERM. */
        if (ensure_up() != 0)
            return;
        /* As cyw43-driver's cyw43_wifi_set_up: the chip comes up in
         * CYW43_DEFAULT_PM (PM2, CYW43_PERFORMANCE_PM). */
        cyw43_wifi_pm(self, CYW43_DEFAULT_PM);
    }
    if (!sta_added(self)) {
        cyw43_cb_tcpip_init(self, itf);
        self->itf_state |= (uint8_t)(1u << itf);
    }
}

int cyw43_wifi_get_mac(cyw43_t *self, int itf, uint8_t mac[6])
{
    int rc = ensure_up();
    if (rc != 0)
        return rc;
    /* the AP interface answers with its BSSID (wifi_chip.h) */
    rc = from_chip(chip_wifi_get_mac(itf == CYW43_ITF_AP ? CHIP_ITF_AP : CHIP_ITF_STA, mac));
    if (rc == 0 && itf != CYW43_ITF_AP)
        memcpy(self->mac, mac, 6);
    return rc;
}

int cyw43_wifi_update_multicast_filter(cyw43_t *self, uint8_t *addr, bool add)
{
    (void)self;
    (void)addr;
    (void)add;
    return 0; /* the rig's chip passes every group frame */
}

static int scan_result(void *env, const chip_scan_result *r)
{
    cyw43_t *self = env;
    cyw43_ev_scan_result_t ev;
    memset(&ev, 0, sizeof ev);
    memcpy(ev.bssid, r->bssid, 6);
    ev.ssid_len = r->ssid_len <= 32 ? r->ssid_len : 32;
    memcpy(ev.ssid, r->ssid, ev.ssid_len);
    ev.channel = r->channel;
    /* CHIP_SCAN_AUTH_* are the driver's bits (1 WEP, 2 WPA, 4 WPA2). The
     * driver sets bit 1 from the beacon's Privacy capability, which every
     * WPA/WPA2 network also sets (IEEE 802.11-2020 9.4.1.4), so a WPA2 AP
     * reads 5 on a Pico W; the rig's chip reports WPA2 alone. */
    ev.auth_mode = r->auth_mode;
    if (ev.auth_mode & (CHIP_SCAN_AUTH_WPA | CHIP_SCAN_AUTH_WPA2))
        ev.auth_mode |= CHIP_SCAN_AUTH_WEP;
    ev.rssi = r->rssi;
    if (self->wifi_scan_state == 1 && self->wifi_scan_cb != NULL)
        (void)self->wifi_scan_cb(self->wifi_scan_env, &ev); /* the driver ignores the answer */
    pico_rig_wake_arch();
    return 0;
}

int cyw43_wifi_scan(cyw43_t *self, cyw43_wifi_scan_options_t *opts, void *env,
                    int (*result_cb)(void *, const cyw43_ev_scan_result_t *))
{
    if (self->itf_state == 0)
        return -CYW43_EPERM;
    int rc = ensure_up();
    if (rc != 0)
        return rc;
    chip_scan_options o;
    memset(&o, 0, sizeof o);
    if (opts != NULL) {
        if (opts->ssid_len > 32)
            return -CYW43_EINVAL;
        o.passive = opts->scan_type == 1;
        o.ssid_len = (uint8_t)opts->ssid_len;
        memcpy(o.ssid, opts->ssid, o.ssid_len);
    }
    self->wifi_scan_state = 1;
    self->wifi_scan_env = env;
    self->wifi_scan_cb = result_cb;
    rc = from_chip(chip_wifi_scan(&o, self, scan_result));
    if (rc != 0)
        self->wifi_scan_state = 0;
    return rc;
}

int cyw43_wifi_join(cyw43_t *self, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                    uint32_t auth_type, const uint8_t *bssid, uint32_t channel)
{
    if (!sta_added(self))
        return -CYW43_EPERM; /* the driver: STA not active */
    int rc = ensure_up();
    if (rc != 0)
        return rc;
    rc = from_chip(chip_wifi_join(ssid_len, ssid, key_len, key, auth_type, bssid,
                                  channel == CYW43_CHANNEL_NONE ? 0 : channel));
    if (rc == 0)
        self->wifi_join_state = 1;
    return rc;
}

int cyw43_wifi_leave(cyw43_t *self, int itf)
{
    if (itf != CYW43_ITF_STA)
        return -CYW43_EPERM;
    int rc = from_chip(chip_wifi_leave(CHIP_ITF_STA));
    if (rc == 0)
        self->wifi_join_state = 0;
    return rc;
}

int cyw43_wifi_get_rssi(cyw43_t *self, int32_t *rssi)
{
    if (rssi == NULL || !sta_added(self))
        return -CYW43_EPERM;
    int rc = chip_wifi_get_rssi(rssi);
    if (rc == CHIP_ENOTCONN) {
        *rssi = 0; /* "An RSSI value of zero is returned ... before a network is connected" */
        return 0;
    }
    return from_chip(rc);
}

int cyw43_wifi_get_bssid(cyw43_t *self, uint8_t bssid[6])
{
    (void)self;
    return from_chip(chip_wifi_get_bssid(bssid));
}

void cyw43_wifi_ap_get_max_stas(cyw43_t *self, int *max_stas)
{
    (void)self;
    if (chip_wifi_ap_get_max_stas(max_stas) != CHIP_OK)
        *max_stas = 0; /* "0 on error" */
}

/* As the driver: with macs NULL only the count; else up to *num_stas
 * entries (its capacity on entry, the count on return). */
void cyw43_wifi_ap_get_stas(cyw43_t *self, int *num_stas, uint8_t *macs)
{
    (void)self;
    int cap = macs != NULL ? *num_stas : 0;
    if (cap < 0)
        cap = 0;
    int n = 0;
    if (chip_wifi_ap_get_stas(&n, macs, cap) != CHIP_OK)
        n = 0;
    *num_stas = macs != NULL && n > cap ? cap : n;
}

int cyw43_gpio_set(cyw43_t *self, int gpio, bool val)
{
    (void)self;
    if (gpio < 0 || gpio >= CYW43_WL_GPIO_COUNT)
        return -CYW43_EINVAL;
    int rc = ensure_up();
    if (rc != 0)
        return rc;
    if (drv.gpio[gpio] != val)
        HAL_TRACE("cyw43_gpio", HAL_INT("gpio", gpio), HAL_INT("value", val));
    drv.gpio[gpio] = val;
    return 0;
}

int cyw43_gpio_get(cyw43_t *self, int gpio, bool *val)
{
    (void)self;
    if (gpio < 0 || gpio >= CYW43_WL_GPIO_COUNT)
        return -CYW43_EINVAL;
    int rc = ensure_up();
    if (rc != 0)
        return rc;
    *val = gpio == CYW43_WL_GPIO_VBUS_PIN ? true : drv.gpio[gpio];
    return 0;
}

void cyw43_thread_enter(void)
{
}

void cyw43_thread_exit(void)
{
}

void cyw43_thread_lock_check(void)
{
}
