/* Timeouts from user timespecs, as Linux reads them: a negative tv_sec or a
 * tv_nsec outside [0, 1e9) is EINVAL; a huge tv_sec (up to LLONG_MAX)
 * saturates to TIMEOUT_FOREVER instead of wrapping to a short timeout. */
#ifndef UNIX_TIMEOUT_H
#define UNIX_TIMEOUT_H
#include <stdint.h>

#define TIMEOUT_FOREVER UINT64_MAX      /* nanoseconds: ~584 years */

/* Nanoseconds of {sec, nsec}, saturated at TIMEOUT_FOREVER; 0 or -EINVAL. */
int timeout_ns(int64_t sec, int64_t nsec, uint64_t *ns);
/* now + ns, saturated at TIMEOUT_FOREVER. */
uint64_t timeout_deadline_after(uint64_t now, uint64_t ns);
/* The monotonic deadline (mono_now is the monotonic clock now) of the time
 * `target` on a clock that reads clock_now now: mono_now if target has
 * passed, saturated at TIMEOUT_FOREVER. */
uint64_t timeout_deadline_at(uint64_t mono_now, uint64_t clock_now, uint64_t target);
/* Reads a user struct timespec into *ns with timeout_ns: -EFAULT too. */
int timeout_from_user(uint64_t uts, uint64_t *ns);
/* SO_RCVTIMEO/SO_SNDTIMEO's struct timeval of optlen len, as Linux's
 * sock_set_timeout: a short option EINVAL, tv_usec outside [0, 1e6) EDOM,
 * a negative time 0 (no timeout); -EFAULT too. */
int timeout_from_user_timeval(uint64_t *ns, uint64_t utv, uint64_t len);

#endif
