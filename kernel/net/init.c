/* Starting lwIP. */
#include "net/net.h"
#include "net/socket_int.h"
#include "net/netdev.h"
#include "lwip/init.h"
#include "lib/log.h"

void net_init(void)
{
    static bool started;
    if (started)
        return;
    started = true;
    lwip_init();
    icmp_error_start();         /* from the first frame: it also guards lwIP (icmp_error.c) */
    net_lo_count_start();
    klog("net: lwIP %s started (loopback 127.0.0.1)", LWIP_VERSION_STRING);
}
