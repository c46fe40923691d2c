#include "unix/console.h"
#include "fs/ramfs.h"
#include "drivers/serial.h"
#include "drivers/clock.h"

static uint16_t port = COM1;

void console_set_port(uint16_t p)
{
    port = p;
}

static int64_t console_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn;
    (void)off;
    if (len == 0)
        return 0;
    /* No UART interrupts: poll, sleeping a little between looks. */
    for (;;) {
        size_t n = serial_read(port, buf, len);
        if (n)
            return (int64_t)n;
        clock_sleep_until(clock_monotonic_ns() + 10000000);
    }
}

static int64_t console_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)vn;
    (void)off;
    serial_write(port, buf, len);
    return (int64_t)len;
}

static int console_poll(struct vnode *vn)
{
    (void)vn;
    return 4 | (serial_input_ready(port) ? 1 : 0);    /* POLLOUT, POLLIN */
}

static const struct vnode_ops console_ops = {
    .read = console_read,
    .write = console_write,
    .poll = console_poll,
    .is_tty = true,
    .not_seekable = true,
};

struct vnode *console_vnode(void)
{
    static struct vnode *vn;
    if (!vn) {
        vn = ramfs_new(S_IFCHR | 0620);
        if (vn) {
            vn->ops = &console_ops;
            vn->rdev = (5u << 8) | 1;   /* 5:1, /dev/console */
        }
    }
    return vn;
}

void console_write_raw(const char *s, size_t n)
{
    serial_write(port, s, n);
}
