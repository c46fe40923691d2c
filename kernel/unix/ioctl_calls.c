/* ioctl: close-on-exec and non-blocking requests on any descriptor, and the
 * few terminal requests C libraries make on the console. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/socket.h"
#include "lib/errno.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCGPGRP 0x540f
#define FIONBIO 0x5421
#define FIOCLEX 0x5451
#define FIONCLEX 0x5450

struct termios_k {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};

static int64_t tty_ioctl(uint64_t req, uint64_t arg)
{
    switch (req) {
    case TCGETS: {
        static struct termios_k t = {
            .iflag = 0x500,              /* ICRNL | IXON */
            .oflag = 0x5,                /* OPOST | ONLCR */
            .cflag = 0xbf,               /* B38400 | CS8 | CREAD */
            .lflag = 0x8a3b,             /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
            .cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 },
        };
        return copy_to_user(arg, &t, sizeof(t));
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
    case TIOCSWINSZ:
        return 0;
    case TIOCGWINSZ: {
        uint16_t ws[4] = { 24, 80, 0, 0 };
        return copy_to_user(arg, ws, sizeof(ws));
    }
    case TIOCGPGRP: {
        int32_t pgrp = PROCESS_PID;
        return copy_to_user(arg, &pgrp, sizeof(pgrp));
    }
    default:
        return -EINVAL;
    }
}

int64_t sys_ioctl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int fd = (int)a0;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    switch (a1) {
    case FIOCLEX: fd_set_cloexec(fd, true); return 0;
    case FIONCLEX: fd_set_cloexec(fd, false); return 0;
    case FIONBIO: {
        int32_t on;
        if (copy_from_user(&on, a2, sizeof(on)))
            return -EFAULT;
        f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~(uint32_t)O_NONBLOCK;
        return 0;
    }
    }
    struct sock_file *sf = sock_of_file(f);
    if (sf)
        return sock_ioctl(sf, a1, a2);
    bool tty = f->vn->ops && f->vn->ops->is_tty;
    return tty ? tty_ioctl(a1, a2) : -ENOTTY;
}
