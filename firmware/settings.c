/* The settings the camera reads (hal_config_*), declared for the rig:
 * `linkrig info camera.so` lists them and `--set` is checked against them.
 * Defaults here are the ones the code passes when it reads each key. */
#include "hal.h"

HAL_SETTINGS(
    {"wlan.ssid", HAL_SETTING_STR, "camnet", "network (SSID) the camera joins"},
    {"wlan.key", HAL_SETTING_STR, "", "its passphrase; empty for an open network"},
    {"wlan.security", HAL_SETTING_STR, "auto", "auto (WPA2 with a key), wpa2, wpa-wpa2, wpa3, wpa2-wpa3"},
    {"wlan.eap.method", HAL_SETTING_STR, "", "WPA2-Enterprise: peap, ttls or tls; empty = not Enterprise"},
    {"wlan.eap.identity", HAL_SETTING_STR, "", "Enterprise: the user name"},
    {"wlan.eap.anonymous_identity", HAL_SETTING_STR, "", "Enterprise: the outer identity; empty = identity"},
    {"wlan.eap.password", HAL_SETTING_STR, "", "Enterprise: the password (peap, ttls)"},
    {"wlan.eap.ca_cert", HAL_SETTING_STR, "", "Enterprise: PEM of the CA of the server; empty = unchecked"},
    {"wlan.eap.client_cert", HAL_SETTING_STR, "", "Enterprise: PEM of the client certificate (tls)"},
    {"wlan.eap.client_key", HAL_SETTING_STR, "", "Enterprise: PEM of its key (tls)"},
    {"lm.connect_timeout_ms", HAL_SETTING_INT, "10000", "give the first connect up after this; 0 = never"},
    {"lm.attempt_timeout_ms", HAL_SETTING_INT, "10000", "abandon one join attempt after this; 0 = never"},
    {"lm.backoff_ms", HAL_SETTING_INT_LIST, "1000,2000,4000,8000,16000,32000,60000",
     "waits between reconnect attempts (the last repeats)"},
    {"lm.power_cycle", HAL_SETTING_BOOL, "1", "power-cycle a chip that stops answering"},
    {"lm.check_period_ms", HAL_SETTING_INT, "100", "how often the link manager polls the link"},
    {"lm.stable_ms", HAL_SETTING_INT, "30000", "a link up this long resets the backoff"},
    {"camera.period_ms", HAL_SETTING_INT, "1000", "one frame uploaded every this many ms"},
    {"camera.frame_bytes", HAL_SETTING_INT, "20480", "bytes per frame (1..1048576)"},
    {"camera.interface", HAL_SETTING_STR, "wlan", "wlan, or lan for the wired port"},
    {"sink.ip", HAL_SETTING_IPV4, "10.0.2.100", "the upload sink's address (given by the rig)"},
    {"sink.port", HAL_SETTING_INT, "9000", "the upload sink's TCP port (given by the rig)"},
    {"camera.sink", HAL_SETTING_IPV4, "10.0.2.100", "old name of sink.ip"},
    {"camera.sink_port", HAL_SETTING_INT, "9000", "old name of sink.port"},
    {"lan.hostname", HAL_SETTING_STR, "camera", "DHCP host name on the wired port"},
    {"ap.ssid", HAL_SETTING_STR, "", "the camera's own setup network (AP mode); empty = none"},
    {"ap.key", HAL_SETTING_STR, "picoW123", "its WPA2 passphrase; empty for an open network"},
    {"ap.channel", HAL_SETTING_INT, "3", "its channel (1..13)"},
    {"ap.lease_s", HAL_SETTING_INT, "3600", "lease time of its DHCP server"});
