/* pico/rig.h — what only the rig has: a Pico W program's run-time settings.
 *
 * A Pico SDK program has no settings store; pico-examples take the network's
 * name and password as compile-time macros (cmake -DWIFI_SSID=... gives
 * -DWIFI_SSID=\"...\"). On the rig the scenario gives them at run time, as
 * settings wlan.ssid and wlan.key (hal_config). So, unless the build
 * defines them, WIFI_SSID and WIFI_PASSWORD are expressions that read those
 * settings: unmodified code that passes WIFI_SSID to cyw43_arch_wifi_connect_*
 * compiles and joins whatever network the scenario names. (They are
 * expressions, not string literals: code that pastes literals together,
 * `WIFI_SSID "x"`, needs the compile-time form.)
 *
 * Other values a program takes as a compile-time macro can be bound the
 * same way in its build, e.g. for the rig's TCP sink:
 *   target_compile_definitions(t PRIVATE "SERVER_IP=pico_rig_setting_str(\"sink.ip\", \"10.0.2.100\")")
 * Every SDK image declares the settings wlan.ssid, wlan.key, sink.ip and
 * sink.port (`linkrig info IMAGE` lists them; --set is checked against them);
 * a program may declare its own list instead with HAL_SETTINGS (hal.h). */
#ifndef LINKRIG_PICO_RIG_H
#define LINKRIG_PICO_RIG_H

#ifdef __cplusplus
extern "C" {
#endif

/* The device's setting key, or def when the rig has none. */
const char *pico_rig_setting_str(const char *key, const char *def);
long long pico_rig_setting_int(const char *key, long long def);

#ifndef WIFI_SSID
#define WIFI_SSID pico_rig_setting_str("wlan.ssid", "")
#endif
/* NULL when the scenario's network is open (wlan.key empty): the SDK's
 * connect calls take a NULL password to mean an open network. */
const char *pico_rig_wifi_password(void);

#ifndef WIFI_PASSWORD
#define WIFI_PASSWORD pico_rig_wifi_password()
#endif

#ifdef __cplusplus
}
#endif

#endif
