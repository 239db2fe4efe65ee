#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

int app_main(void)
{
    lwip_init();
    return 0;
}
