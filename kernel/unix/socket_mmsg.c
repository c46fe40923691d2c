/* sendmmsg and recvmmsg: several messages in one call, each as sendmsg or
 * recvmsg (through unix_socket_dispatch.c, so AF_UNIX and INET alike)
 * handles it, as Linux's __sys_sendmmsg and do_recvmmsg: at most
 * UIO_MAXIOV of them, the count done, an error only when it is the first;
 * recvmmsg's MSG_WAITFORONE makes every receive after the first
 * non-blocking, and its timeout is looked at between messages (as Linux,
 * it does not cut a blocking receive short) and written back as the time
 * left.  glibc's resolver sends its A and AAAA queries with sendmmsg. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/socket.h"
#include "unix/unix_socket.h"
#include "unix/timeout.h"
#include "drivers/clock.h"
#include "lib/errno.h"

#define MMSGHDR_SIZE 64          /* struct msghdr (56 bytes), msg_len, padding */
#define MMSGHDR_LEN_OFFSET 56
#define UIO_MAXIOV 1024          /* Linux's cap on vlen */
#define MSG_DONTWAIT 0x40
#define MSG_WAITFORONE 0x10000
#define NS_PER_S 1000000000ull

/* As Linux's sockfd_lookup_light, before anything else: -EBADF, -ENOTSOCK. */
static int check_socket(uint64_t fd)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    return unix_sock_of_file(f) || sock_of_file(f) ? 0 : -ENOTSOCK;
}

int64_t sys_sendmmsg(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int err = check_socket(a0);
    if (err)
        return err;
    uint64_t vec = a1, vlen = (uint32_t)a2 > UIO_MAXIOV ? UIO_MAXIOV : (uint32_t)a2;
    int64_t sent = 0;
    for (uint64_t i = 0; i < vlen; i++) {
        uint64_t hdr = vec + i * MMSGHDR_SIZE;
        int64_t r = sys_sock_sendmsg(a0, hdr, a3, 0, 0, 0);
        if (r < 0)
            return sent ? sent : r;   /* as Linux: the count, the error only when first */
        uint32_t len = (uint32_t)r;
        if (copy_to_user(hdr + MMSGHDR_LEN_OFFSET, &len, sizeof(len)))
            return sent ? sent : -EFAULT;
        sent++;
    }
    return sent;
}

/* The time left until deadline, written back at uts: 0 or -EFAULT. */
static int put_time_left(uint64_t uts, uint64_t deadline)
{
    uint64_t now = clock_monotonic_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    int64_t ts[2] = { (int64_t)(left / NS_PER_S), (int64_t)(left % NS_PER_S) };
    return copy_to_user(uts, ts, sizeof(ts));
}

int64_t sys_recvmmsg(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int err = check_socket(a0);
    if (err)
        return err;
    uint64_t deadline = 0, ns;
    if (a4) {
        if ((err = timeout_from_user(a4, &ns)))
            return err;
        deadline = timeout_deadline_after(clock_monotonic_ns(), ns);
    }
    uint64_t vlen = (uint32_t)a2 > UIO_MAXIOV ? UIO_MAXIOV : (uint32_t)a2;
    int flags = (int)a3 & ~MSG_WAITFORONE;
    int64_t got = 0, r = 0;
    for (uint64_t i = 0; i < vlen; i++) {
        uint64_t hdr = a1 + i * MMSGHDR_SIZE;
        r = sys_sock_recvmsg(a0, hdr, (uint64_t)(uint32_t)flags, 0, 0, 0);
        if (r < 0)
            break;
        uint32_t len = (uint32_t)r;
        if (copy_to_user(hdr + MMSGHDR_LEN_OFFSET, &len, sizeof(len))) {
            r = -EFAULT;
            break;
        }
        got++;
        if ((int)a3 & MSG_WAITFORONE)
            flags |= MSG_DONTWAIT;
        if (a4 && clock_monotonic_ns() >= deadline)
            break;
    }
    if (got && a4 && put_time_left(a4, deadline))
        return -EFAULT;
    return got ? got : r;
}
