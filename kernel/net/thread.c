/* The network thread: the one place lwIP's clock runs and frames are taken
 * from the cards.  It polls the cards, delivers loopback packets
 * (netif_poll_all), runs lwIP's timers (sys_check_timeouts), then sleeps
 * until lwIP's next timer, and also:
 *   - when a card cannot interrupt (no MSI-X): no longer than NET_POLL_NS
 *     while any socket exists (a frame may arrive for it at any time), or
 *     NET_IDLE_NS without sockets (ARP, DHCP renewals, the host's pings);
 *   - when every card interrupts: until a card's receive interrupt wakes it
 *     (net_wakeup, from the handler: it only wakes the thread, and the
 *     card keeps quiet until the thread has taken its frames and rearms
 *     it, net_cards_rearm), or at most NET_IDLE_NS (a safety net, never
 *     the pace).
 * While a card's transmit backlog holds frames (its ring was full:
 * net/netif_tx.c), the thread looks again after NET_TX_WAIT_NS, when the
 * card has freed slots, rather than leaving them to the next frame sent.
 * A system call that queued a loopback packet or a segment wakes it at once
 * (net_kick).  lwIP's callbacks, run from here, tell the sockets' owners
 * (net_sock_changed), which wake their waiters.
 *
 * Where lwIP is entered: this thread, and system calls (unix/socket*.c)
 * through net/socket.h, both in thread context with the kernel not
 * preemptible (and, with several CPUs, holding the kernel's big lock): so
 * at most one thread is inside lwIP at a time, which is all the locking a
 * NO_SYS lwIP needs.  Interrupt handlers never call lwIP. */
#include "net/net.h"
#include "net/socket_int.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h"
#include "drivers/nic.h"
#include "drivers/clock.h"
#include "sched/sched.h"
#include "sched/waitq.h"
#include "arch/x86_64/kernel_lock.h"
#include "lib/log.h"

#define NET_POLL_NS 1000000ull           /* 1 ms */
#define NET_IDLE_NS 20000000ull          /* 20 ms */
#define NET_TX_WAIT_NS 100000ull         /* 100 us: a ring's worth of frames at 1 Gbit/s is ~400 */

static struct thread *net_thread;
static int sockets;
static unsigned cards;
/* The thread sleeps here; a wake-up sets `woken` under the queue's lock
 * (interrupts off), so one that comes between a look and the sleep is not
 * lost. */
static struct waitq wake_queue = { SPINLOCK_INIT, { &wake_queue.waiters, &wake_queue.waiters } };
static bool woken;

void net_sock_count(int delta)
{
    sockets += delta;
}

static uint64_t next_wake(void)
{
    uint64_t now = clock_monotonic_ns();
    if (sockets > 0 && !net_cards_interrupt())
        return now + NET_POLL_NS;
    uint32_t ms = sys_timeouts_sleeptime();
    uint64_t timer = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? SCHED_FOREVER
                                                            : now + (uint64_t)ms * 1000000;
    if (cards && timer > now + NET_IDLE_NS)
        timer = now + NET_IDLE_NS;
    return timer;
}

static void sleep_until_woken(uint64_t deadline)
{
    uint64_t flags = waitq_lock(&wake_queue);
    if (!woken) {
        struct waiter w;
        waitq_wait_locked(&wake_queue, &w, 0, WAITQ_ALL_BITS, deadline, flags);
        flags = waitq_lock(&wake_queue);
    }
    woken = false;
    waitq_unlock(&wake_queue, flags);
}

static void net_thread_main(void *arg)
{
    (void)arg;
    for (;;) {
        net_poll();
        if (net_cards_rearm()) {
            sched_yield();              /* the sockets' readers first, then those frames */
            continue;
        }
        if (net_cards_drain())
            sleep_until_woken(clock_monotonic_ns() + NET_TX_WAIT_NS);
        else
            sleep_until_woken(next_wake());
    }
}

void net_wakeup(void)
{
    uint64_t flags = waitq_lock(&wake_queue);
    woken = true;
    waitq_wake_locked(&wake_queue, 0, WAITQ_ALL_BITS, WAITQ_ALL);
    waitq_unlock(&wake_queue, flags);
}

void net_start(void)
{
    if (net_thread)
        return;
    cards = net_up_cards();
    net_thread = sched_thread_new_kernel(net_thread_main, 0);
    if (!net_thread) {
        klog("net: out of memory for the network thread: sockets will not work");
        return;
    }
    sched_start(net_thread);
    klog("net: network thread started (%u card%s, %s)", cards, cards == 1 ? "" : "s",
         cards && !net_cards_interrupt() ? "polled every 1 ms while sockets exist"
                                         : "woken by receive interrupts");
}

void net_kick(void)
{
    if (net_thread && net_thread != sched_current())
        net_wakeup();
}

void net_boot(void)
{
    if (nic_count() == 0)
        return;
    net_start();
    /* The boot path polls lwIP itself here, while the network thread may
     * already run on another CPU: the kernel lock keeps them out of lwIP
     * at the same time (both in ip_input at once, lwIP's globals were the
     * other's: a DHCP answer read a NULL interface, a panic in dhcp_recv,
     * 1 in 20 runs of smp-stress.test on 2 CPUs). */
    kernel_lock_acquire();
    if (cards)
        net_wait_address((uint64_t)NET_BOOT_DHCP_MS * 1000000);
    kernel_lock_release();
}

/* A connection still owes the peer data or a FIN (closed sockets too:
 * lwIP keeps their pcbs until the FIN is acknowledged). */
static bool tcp_owes(void)
{
    for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
        if (pcb->unsent || pcb->unacked || pcb->state == FIN_WAIT_1 || pcb->state == CLOSING ||
            pcb->state == LAST_ACK)
            return true;
    return false;
}

void net_flush(uint64_t limit_ns)
{
    if (!net_thread)
        return;
    uint64_t t0 = clock_monotonic_ns();
    while (tcp_owes()) {
        uint64_t now = clock_monotonic_ns();
        if (now - t0 > limit_ns) {
            klog("net: at exit, connections still had data or a FIN unacknowledged after %lu ms; "
                 "the rest is lost", limit_ns / 1000000);
            return;
        }
        net_poll();
        clock_sleep_until(now + NET_POLL_NS);
    }
}
