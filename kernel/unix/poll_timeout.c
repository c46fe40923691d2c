/* Timeouts written back by select, pselect6 and ppoll (unix/poll_timeout.h). */
#include "unix/poll_timeout.h"
#include "unix/timeout.h"
#include "unix/usercopy.h"
#include "drivers/clock.h"

#define NS_PER_SEC 1000000000ull

void poll_timeout_write_back(uint64_t utime, bool timeval, uint64_t timeout_ns, uint64_t deadline)
{
    if (!utime || timeout_ns == 0 || deadline == TIMEOUT_FOREVER)
        return;
    uint64_t now = clock_monotonic_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    int64_t t[2] = { (int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC) };
    if (timeval)
        t[1] /= 1000;
    (void)copy_to_user(utime, t, sizeof(t));
}
