/* arch/sys_arch.h — lwIP includes this only when NO_SYS is 0 (an RTOS port
 * with threads, mailboxes and semaphores). The rig's board has no threads:
 * firmware runs lwIP in NO_SYS mode, as a Pico W program does. */
#ifndef LINKRIG_ARCH_SYS_ARCH_H
#define LINKRIG_ARCH_SYS_ARCH_H
#error "linkrig runs lwIP without an OS: put '#define NO_SYS 1' in your lwipopts.h (lwIP's default is 0)"
#endif
