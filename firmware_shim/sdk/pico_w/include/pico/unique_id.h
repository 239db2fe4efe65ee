/* pico/unique_id.h — the board's unique identifier (pico-sdk
 * src/rp2_common/pico_unique_id): 8 bytes, read from the flash chip's ID on
 * a Pico. On the rig each device gets its own 8 bytes, drawn once at
 * power-on from the device's random stream (hal_random_u32): stable for a
 * scenario and seed, different between devices. */
#ifndef LINKRIG_PICO_UNIQUE_ID_H
#define LINKRIG_PICO_UNIQUE_ID_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PICO_UNIQUE_BOARD_ID_SIZE_BYTES 8

typedef struct {
    uint8_t id[PICO_UNIQUE_BOARD_ID_SIZE_BYTES];
} pico_unique_board_id_t;

void pico_get_unique_board_id(pico_unique_board_id_t *id_out);
/* Upper-case hex, NUL-terminated, cut to len - 1 characters (len >= 17
 * holds it whole). */
void pico_get_unique_board_id_string(char *id_out, uint len);

#ifdef __cplusplus
}
#endif

#endif
