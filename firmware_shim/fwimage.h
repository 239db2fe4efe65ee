/* firmware_shim/fwimage.h — loading firmware images (shared objects built
 * by linkrig_add_firmware) and making one instance per device.
 *
 * An instance is a private load of the image: its own globals, its own lwIP.
 * The first instance maps the file itself; every further one maps a private
 * in-memory copy (the dynamic loader shares a file loaded twice, so a copy
 * with a distinct identity is the only way to get a second set of globals
 * without a loader namespace per device — glibc has only 16 of those).
 * The copies' code and constants are then mapped from the first copy, so
 * that all of them run the same physical pages (fwimage.c, share_readonly:
 * with private pages, 100 devices' code crowded the CPU caches).
 *
 * Errors name the file and what is wrong: missing or unreadable, not a
 * shared object the loader accepts (dlerror's text), not a linkrig image
 * (no LINKRIG_IMAGE_SYMBOL), or built for another board ABI. */
#ifndef LINKRIG_FIRMWARE_SHIM_FWIMAGE_H
#define LINKRIG_FIRMWARE_SHIM_FWIMAGE_H

#include <stddef.h>

#include "linkrig_image.h"
#include "sim/err.h"

typedef struct fwimage fwimage;

/* Loads the first instance and checks the descriptor. */
fwimage *fwimage_open(const char *path, sim_err *err);
/* Unloads every instance; descriptors obtained from it become invalid. */
void fwimage_close(fwimage *f);

const char *fwimage_path(const fwimage *f);
/* The descriptor of the first instance (for names and declared settings). */
const linkrig_image *fwimage_info(const fwimage *f);
/* A descriptor of an instance no device uses yet: the first instance, then
 * fresh copies. Each call returns a new one. NULL and err on failure. */
const linkrig_image *fwimage_instantiate(fwimage *f, sim_err *err);
size_t fwimage_instances(const fwimage *f);
/* Bytes of code and constants of the third and later instances mapped from
 * the second's pages rather than their own (0 for up to two instances). */
size_t fwimage_shared_bytes(const fwimage *f);

/* The declared setting for key, or NULL. */
const hal_setting *fwimage_setting(const linkrig_image *img, const char *key);
/* Checks KEY=VALUE against what img declares. SIM_OK when it is declared
 * with a value of the right type; SIM_EINVAL with a message naming the key,
 * the type expected or the keys known; SIM_ESTATE when img declares no
 * settings at all (the caller warns: it cannot check). */
int fwimage_check_setting(const linkrig_image *img, const char *key, const char *value, sim_err *err);
/* "str", "int", "bool", "int list", "IPv4 address". */
const char *fwimage_setting_type_name(hal_setting_type t);

#endif
