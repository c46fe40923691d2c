/* What lwIP asks of its platform (arch/cc.h, lwipopts.h, lwip/sys.h with
 * NO_SYS): the time in milliseconds, a critical section, memory, random
 * numbers, diagnostics. */
#include <stdarg.h>
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "net/net.h"
#include "drivers/clock.h"
#include "drivers/entropy.h"
#include "mm/heap.h"
#include "lib/log.h"
#include "lib/string.h"
#include <stdlib.h>

u32_t sys_now(void)
{
    return (u32_t)(clock_monotonic_ns() / 1000000);
}

/* lwIP runs only in thread context (system calls, the network thread:
 * net/thread.c), one thread at a time; interrupts stay off in lwIP's own
 * short critical sections all the same. */
sys_prot_t sys_arch_protect(void)
{
    unsigned long flags;
    __asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
    return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
    if (flags & 0x200)
        __asm__ volatile("sti" ::: "memory");
}

void *net_port_malloc(size_t size)
{
    return kmalloc(size);
}

void net_port_free(void *p)
{
    kfree(p);
}

void *net_port_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    void *p = kmalloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

/* Initial sequence numbers and ephemeral ports must not be guessable. */
uint32_t net_port_rand(void)
{
    uint32_t r;
    random_fill(&r, sizeof(r));
    return r;
}

void net_port_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vklog(fmt, ap);
    va_end(ap);
}

/* lwIP checks its own invariants and, in places, what a packet or a
 * caller gave it.  A failed check is logged (the first few, then counted)
 * and lwIP goes on: most are followed by lwIP's own error handling, and a
 * peer must not be able to halt the kernel with one odd packet. */
void net_port_assert(const char *msg, const char *file, int line)
{
    static unsigned failed;
    if (++failed <= 8)
        klog("net: lwIP check failed: %s (%s:%d)%s", msg, file, line,
             failed == 8 ? "; further failures are not logged" : "");
}

/* netif_find("en0") reads the interface number with atoi. */
int atoi(const char *s)
{
    int v = 0, sign = 1;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    while (*s >= '0' && *s <= '9' && v < 100000000)
        v = v * 10 + (*s++ - '0');
    return sign * v;
}
