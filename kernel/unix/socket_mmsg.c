/* sendmmsg: several messages in one call, each as sendmsg sends it.
 * glibc's resolver sends its A and AAAA queries together with it (and
 * gives up on a name when it fails). */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "lib/errno.h"

#define MMSGHDR_SIZE 64          /* struct msghdr (56 bytes), msg_len, padding */
#define MMSGHDR_LEN_OFFSET 56
#define UIO_MAXIOV 1024          /* Linux's cap on vlen */

int64_t sys_sendmmsg(SYSCALL_ARGS)
{
    UNUSED_ARGS;
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
