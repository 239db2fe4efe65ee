/* A firmware's lwipopts.h that forgot NO_SYS (lwIP's default is 0). */
#define LWIP_DHCP 1
