/* The program's terminal: /dev/console and fds 0, 1, 2.
 *
 * With a virtio console (drivers/virtio_console.h) input and output go
 * through it; without one, through the UART (COM1 unless the command line
 * moves it), polled, which has no end of input.  The virtio console's input
 * is framed by cloak so that the end of the host's stdin reaches the
 * program as read() returning 0 (docs/boot-protocol.md):
 *     u32 little-endian length, then that many bytes; length 0 = end of input;
 *     0x80000000 | S, no bytes: send signal S to the program (cloak got it).
 * Output is the program's bytes, unframed.
 *
 * A kernel thread (console_input_thread) reads the frames as they come,
 * into a buffer of its own, whether or not the program reads: a signal
 * from the host gets through while the program computes or never reads
 * its stdin, as long as the input before it fits in the buffer (up to
 * RING_SIZE bytes unread; then it waits for the program's reads). */
#include "unix/console.h"
#include "unix/readiness.h"
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "unix/signal.h"
#include "unix/process.h"
#include "sched/sched.h"
#include "fs/ramfs.h"
#include "drivers/serial.h"
#include "drivers/clock.h"
#include "drivers/virtio_console.h"
#include "drivers/device_wait.h"
#include "sched/waitq.h"
#include "lib/log.h"
#include "lib/string.h"

/* cloak sends at most 64 KiB a frame; anything far larger is nonsense. */
#define FRAME_MAX (1u << 20)
/* How long a reader waiting for input sleeps between looks, when the
 * console's receive queue has no interrupt (and, with one, how long it
 * sleeps at most in case an interrupt is lost). */
#define POLL_NS 500000
#define BACKSTOP_NS 100000000
/* How soon poll, select and epoll look again at a console without input. */
#define RECHECK_NS 10000000

static uint16_t port = COM1;

#define FRAME_SIGNAL 0x80000000u  /* | signal number: a signal from the host */
#define RING_SIZE 65536

static struct {
    uint8_t hdr[4];
    unsigned have;                /* header bytes read so far */
    uint32_t left;                /* bytes of the current frame still to come */
    bool eof;                     /* the end of input came (signals may follow) */
    bool broken;                  /* nothing more can be read */
} in;

/* Input read from the device, not yet by the program. */
static struct {
    uint8_t buf[RING_SIZE];
    uint32_t head, count;
} ring;

void console_set_port(uint16_t p)
{
    port = p;
}

/* A signal from the host (docs/boot-protocol.md): to the program, as a
 * terminal's Ctrl-C would send it. */
static void host_signal(uint32_t sig)
{
    if (sig < 1 || sig > NSIG) {
        klog("console: the host sent signal %u, which does not exist: ignored", (unsigned)sig);
        return;
    }
    klog("console: the host sent %s: passed to the program", signal_name((int)sig));
    signal_send(&(struct signal_info){ .signo = (int32_t)sig, .code = SI_KERNEL,
                                       .why = "sent from the host (a Ctrl-C or kill to cloak)" });
}

/* Takes one frame header if the device has it all: false if not (yet). */
static bool take_header(void)
{
    int64_t n = vcon_read(in.hdr + in.have, 4 - in.have);
    if (n < 0)
        in.eof = in.broken = true;      /* the driver logged why */
    if (n <= 0)
        return false;
    in.have += (unsigned)n;
    if (in.have < 4)
        return true;
    in.have = 0;
    uint32_t v = (uint32_t)in.hdr[0] | (uint32_t)in.hdr[1] << 8 | (uint32_t)in.hdr[2] << 16 |
                 (uint32_t)in.hdr[3] << 24;
    if (v == 0) {
        in.eof = true;
    } else if ((v & ~0xffu) == FRAME_SIGNAL) {
        host_signal(v & 0xff);
    } else if (v > FRAME_MAX || in.eof) {
        klog("console: input frame of %u bytes (at most %u, none after the end): treating as end of input",
             (unsigned)v, FRAME_MAX);
        in.eof = in.broken = true;
    } else {
        in.left = v;
    }
    return true;
}

/* Moves what the device has into the ring, frame by frame, as far as the
 * ring has room (kernel lock held: readers and the input thread). */
static void pump_input(void)
{
    while (!in.broken) {
        if (in.left == 0) {
            if (!take_header())
                return;
            continue;
        }
        uint32_t tail = (ring.head + ring.count) % RING_SIZE;
        uint32_t room = RING_SIZE - ring.count, chunk = RING_SIZE - tail;
        if (chunk > room)
            chunk = room;
        if (chunk > in.left)
            chunk = in.left;
        if (chunk == 0)
            return;                     /* full: the program reads first */
        int64_t n = vcon_read(ring.buf + tail, chunk);
        if (n < 0)
            in.eof = in.broken = true;
        if (n <= 0)
            return;
        ring.count += (uint32_t)n;
        in.left -= (uint32_t)n;
    }
}

/* What can be read now: 1 (data or end of input), 0 (wait). */
static bool vcon_readable(void)
{
    pump_input();
    return ring.count || in.eof;
}

/* The receive interrupt: poll, select and epoll sleepers look again (the
 * handler may only wake; the look notifies the console's watchers). */
static void input_arrived(void *arg)
{
    (void)arg;
    readiness_notify(0, 0);
}

static void hook_input(void)
{
    static bool hooked;
    if (!hooked) {
        hooked = true;
        vcon_set_input_hook(input_arrived, 0);
    }
}

static uint64_t input_interrupts(void)
{
    struct device_irq *d = vcon_input_irq();
    return d ? __atomic_load_n(&d->interrupts, __ATOMIC_ACQUIRE) : 0;
}

/* Sleeps until input may have come: the receive interrupt after `seen`
 * (the count before the last look), or a short poll without one.  True
 * when a signal ends the wait. */
static bool wait_for_input(uint64_t seen)
{
    struct device_irq *d = vcon_input_irq();
    if (!d)
        return signal_sleep_until(clock_monotonic_ns() + POLL_NS) != 0;
    if (signal_wait_begin())
        return true;
    uint64_t flags = waitq_lock(&d->waiters);
    if (__atomic_load_n(&d->interrupts, __ATOMIC_ACQUIRE) == seen) {
        struct waiter w;
        static bool said;
        if (waitq_wait_locked(&d->waiters, &w, 0, WAITQ_ALL_BITS,
                              clock_monotonic_ns() + BACKSTOP_NS, flags) == 0 && !said) {
            said = true;
            klog("console: the receive interrupt (MSI-X) wakes the program's reads");
        }
    } else {
        waitq_unlock(&d->waiters, flags);
    }
    signal_wait_end();
    return signal_pending_interrupts();
}

static int64_t vcon_console_read(void *buf, uint64_t len)
{
    hook_input();
    for (;;) {
        uint64_t seen = input_interrupts();
        pump_input();
        if (ring.count) {
            uint64_t n = 0;
            while (n < len && ring.count) {
                uint32_t chunk = RING_SIZE - ring.head;
                if (chunk > ring.count)
                    chunk = ring.count;
                if (chunk > len - n)
                    chunk = (uint32_t)(len - n);
                memcpy((uint8_t *)buf + n, ring.buf + ring.head, chunk);
                ring.head = (ring.head + chunk) % RING_SIZE;
                ring.count -= chunk;
                n += chunk;
            }
            return (int64_t)n;
        }
        if (in.eof)
            return 0;
        /* A signal ends the wait as it ends a pipe's (EINTR or SA_RESTART). */
        if (wait_for_input(seen))
            return -ERESTARTSYS;
    }
}

/* Reads the frames as they come, so that a signal from the host arrives
 * without the program reading: woken by the receive interrupt, or looking
 * every INPUT_POLL_NS without one. */
#define INPUT_POLL_NS 50000000ull

static void console_input_thread(void *arg)
{
    (void)arg;
    hook_input();
    for (;;) {
        uint64_t seen = input_interrupts();
        pump_input();
        if (in.broken)
            sched_block(0, SCHED_FOREVER);      /* nothing more will come */
        struct device_irq *d = vcon_input_irq();
        if (!d) {
            sched_sleep_until(clock_monotonic_ns() + INPUT_POLL_NS);
            continue;
        }
        uint64_t flags = waitq_lock(&d->waiters);
        if (__atomic_load_n(&d->interrupts, __ATOMIC_ACQUIRE) == seen) {
            struct waiter w;
            waitq_wait_locked(&d->waiters, &w, 0, WAITQ_ALL_BITS, SCHED_FOREVER, flags);
        } else {
            waitq_unlock(&d->waiters, flags);
        }
    }
}

static void start_input_thread(void)
{
    static bool started;
    if (started || !vcon_present() || !sched_running())
        return;
    started = true;
    struct thread *t = sched_thread_new_kernel(console_input_thread, 0);
    if (!t) {
        klog("console: no memory for the input thread: signals from the host wait for the program's reads");
        return;
    }
    sched_start(t);
}

static int64_t console_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn;
    (void)off;
    if (len == 0)
        return 0;
    if (vcon_present())
        return vcon_console_read(buf, len);
    /* No UART interrupts: poll, sleeping a little between looks. */
    for (;;) {
        size_t n = serial_read(port, buf, len);
        if (n)
            return (int64_t)n;
        if (signal_sleep_until(clock_monotonic_ns() + 10000000))
            return -ERESTARTSYS;
    }
}

static int64_t console_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)vn;
    (void)off;
    if (vcon_present())
        return vcon_write(buf, len);
    serial_write(port, buf, len);
    return (int64_t)len;
}

/* Input arrives without an interrupt: the console's readiness is polled,
 * and a look that finds input newly there notifies it (edge-triggered
 * epoll sees one event per arrival of input after none).  At the end of
 * input the console seen as a pipe is hung up, as a pipe whose writer
 * closed (POLLHUP, not POLLIN); the terminal stays readable. */
static struct readiness console_ready = { .polled = true };

static int console_poll(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    static bool was_readable;
    if (vcon_present())
        hook_input();
    bool readable = vcon_present() ? vcon_readable() : serial_input_ready(port);
    if (readable && !was_readable)
        readiness_notify(&console_ready, POLLIN | POLLRDNORM);
    was_readable = readable;
    if (!readable)
        readiness_recheck_by(clock_monotonic_ns() + (vcon_input_irq() ? BACKSTOP_NS : RECHECK_NS));
    if (readable && vcon_present() && in.eof && !ring.count && !vn->ops->is_tty)
        return POLLOUT | POLLHUP;
    return POLLOUT | (readable ? POLLIN : 0);
}

static struct readiness *console_readiness(struct vnode *vn)
{
    (void)vn;
    return &console_ready;
}

static const struct vnode_ops console_ops = {
    .read = console_read,
    .write = console_write,
    .poll = console_poll,
    .readiness = console_readiness,
    .is_tty = true,
    .not_seekable = true,
};

/* The same console, seen as a pipe: what a program's fd is when cloak's
 * own end of it is a pipe or a file (C libraries then buffer output in
 * large blocks instead of flushing every line). */
static const struct vnode_ops console_pipe_ops = {
    .read = console_read,
    .write = console_write,
    .poll = console_poll,
    .readiness = console_readiness,
    .is_tty = false,
    .not_seekable = true,
};

static struct vnode *console_node(const struct vnode_ops *ops)
{
    struct vnode *vn = ramfs_new(S_IFCHR | 0620);
    if (vn) {
        vn->ops = ops;
        vn->rdev = (5u << 8) | 1;   /* 5:1, /dev/console */
    }
    return vn;
}

struct vnode *console_vnode(void)
{
    static struct vnode *vn;
    if (!vn)
        vn = console_node(&console_ops);
    return vn;
}

struct vnode *console_fd_vnode(bool host_terminal)
{
    static struct vnode *pipe_vn;
    start_input_thread();
    /* The UART console is a terminal (a cloud's serial console is one). */
    if (!vcon_present() || host_terminal)
        return console_vnode();
    if (!pipe_vn)
        pipe_vn = console_node(&console_pipe_ops);
    return pipe_vn;
}

void console_write_raw(const char *s, size_t n)
{
    if (vcon_present() && vcon_write(s, n) >= 0)
        return;
    serial_write(port, s, n);
}
