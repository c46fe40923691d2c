#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "drivers/entropy.h"
#include "lib/errno.h"

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4
#define GETRANDOM_MAX 33554431ull     /* Linux's cap per call */

int64_t sys_getrandom(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t ubuf = a0, len = a1, flags = a2;
    if (flags & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE))
        return -EINVAL;
    if (len > GETRANDOM_MAX)
        len = GETRANDOM_MAX;
    uint8_t chunk[256];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        random_fill(chunk, n);
        if (copy_to_user(ubuf + done, chunk, n))
            return done ? (int64_t)done : -EFAULT;
        done += n;
    }
    return (int64_t)done;
}
