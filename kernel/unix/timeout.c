/* Timeout arithmetic (unix/timeout.h).  Linux saturates huge timeouts at
 * KTIME_MAX (timespec64_to_ktime, ktime_add_safe): "effectively forever";
 * here the limit is UINT64_MAX ns, the monotonic clock's own end. */
#include "unix/timeout.h"
#include "unix/usercopy.h"
#include "lib/errno.h"

#define NS_PER_SEC 1000000000ull

int timeout_ns(int64_t sec, int64_t nsec, uint64_t *ns)
{
    if (sec < 0 || nsec < 0 || nsec >= (int64_t)NS_PER_SEC)
        return -EINVAL;
    if ((uint64_t)sec > (TIMEOUT_FOREVER - (uint64_t)nsec) / NS_PER_SEC)
        *ns = TIMEOUT_FOREVER;
    else
        *ns = (uint64_t)sec * NS_PER_SEC + (uint64_t)nsec;
    return 0;
}

uint64_t timeout_deadline_after(uint64_t now, uint64_t ns)
{
    return ns > TIMEOUT_FOREVER - now ? TIMEOUT_FOREVER : now + ns;
}

uint64_t timeout_deadline_at(uint64_t mono_now, uint64_t clock_now, uint64_t target)
{
    if (target <= clock_now)
        return mono_now;
    return timeout_deadline_after(mono_now, target - clock_now);
}

int timeout_from_user(uint64_t uts, uint64_t *ns)
{
    int64_t ts[2];                      /* struct timespec: tv_sec, tv_nsec */
    if (copy_from_user(ts, uts, sizeof(ts)))
        return -EFAULT;
    return timeout_ns(ts[0], ts[1], ns);
}

int timeout_from_user_timeval(uint64_t *ns, uint64_t utv, uint64_t len)
{
    int64_t tv[2];
    if (len < sizeof(tv))
        return -EINVAL;
    if (copy_from_user(tv, utv, sizeof(tv)))
        return -EFAULT;
    if (tv[1] < 0 || tv[1] >= 1000000)
        return -EDOM;
    if (tv[0] < 0) {
        *ns = 0;
        return 0;
    }
    return timeout_ns(tv[0], tv[1] * 1000, ns);
}
