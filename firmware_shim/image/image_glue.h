/* firmware_shim/image/image_glue.h — inside an image (internal): the board
 * table this instance is attached to, and the parts of the image descriptor
 * that other glue files provide. */
#ifndef LINKRIG_IMAGE_GLUE_H
#define LINKRIG_IMAGE_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "linkrig_image.h"

/* The board table of this instance, or NULL before attach. An image keeps
 * it in its own globals: each loaded instance has its own copy, which is
 * how calls from the firmware reach the right device. */
const linkrig_board_ops *image_glue_ops(void);

/* Provided by lwip_port.c when the image has lwIP (weak references). */
bool lwip_port_next_deadline(int64_t now_ms, int64_t *due_ms);
void lwip_port_run_timers(void);
extern const char lwip_port_version[];

#endif
