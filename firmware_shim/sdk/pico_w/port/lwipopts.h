/* lwipopts.h seen by Pico W programs on the rig (and by the lwIP built for
 * them): the program's own lwipopts.h, with one host fix-up.
 *
 * A Pico's lwipopts.h says MEM_ALIGNMENT 4 (pico-examples'
 * lwipopts_examples_common.h does): right for the RP2040's 32-bit core,
 * wrong on the rig's 64-bit host, where lwIP's pools and pbufs hold 8-byte
 * pointers. With 4, a pool element can start 4 bytes off (a PBUF_POOL entry
 * of 24 + 1516 bytes), and every pointer in it is misaligned: undefined
 * behaviour that UBSan reports. So the alignment is raised to the host's
 * pointer size; nothing else is changed. linkrig_add_firmware puts this
 * folder before the program's LWIPOPTS_DIR; #include_next (GNU C, which the
 * SDK's builds use) then finds the program's file. */
#include_next "lwipopts.h"

#if !defined(MEM_ALIGNMENT) || MEM_ALIGNMENT < __SIZEOF_POINTER__
#undef MEM_ALIGNMENT
#define MEM_ALIGNMENT __SIZEOF_POINTER__
#endif
