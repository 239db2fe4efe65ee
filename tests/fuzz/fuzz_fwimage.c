/* Fuzz target: the firmware-image loader's checks of what users pass it
 * (firmware_shim/fwimage.c: fwimage_check_setting, which every --set KEY=VALUE
 * goes through, against an image's declared settings of every type). The
 * loader reads nothing else from bytes: the descriptor comes from dlsym and
 * is checked for its ABI before use (test_fwimage covers that). Input:
 * KEY '=' VALUE. */
#include <stdlib.h>
#include <string.h>

#include "firmware_shim/fwimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const hal_setting settings[] = {
    {"s", HAL_SETTING_STR, "x", "a string"},
    {"i", HAL_SETTING_INT, "1", "an int"},
    {"b", HAL_SETTING_BOOL, "true", "a bool"},
    {"l", HAL_SETTING_INT_LIST, "1,2", "a list"},
    {"ip", HAL_SETTING_IPV4, "10.0.2.100", "an address"},
    {NULL, HAL_SETTING_STR, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (t == NULL)
        return 0;
    memcpy(t, data, size);
    t[size] = '\0';
    char *eq = strchr(t, '=');
    const char *key = t, *value = "";
    if (eq != NULL) {
        *eq = '\0';
        value = eq + 1;
    }
    linkrig_image img = {.abi_version = LINKRIG_BOARD_ABI, .size = sizeof img, .name = "fuzz",
                         .settings = settings};
    sim_err err = {0};
    if (fwimage_check_setting(&img, key, value, &err) != SIM_OK && err.msg[0] == '\0')
        abort();
    (void)fwimage_setting(&img, key);
    free(t);
    return 0;
}
