/* bad_abi — a shared object that looks like a firmware image from another
 * board ABI: it exports the descriptor symbol by hand with abi_version 999.
 * The loader must refuse it before calling anything in it (attach is NULL
 * here on purpose: a loader that trusted the descriptor would crash). */
#include "linkrig_image.h"

__attribute__((visibility("default"))) const linkrig_image linkrig_firmware_image = {
    .abi_version = 999,
    .size = sizeof(linkrig_image),
    .name = "bad_abi",
};
