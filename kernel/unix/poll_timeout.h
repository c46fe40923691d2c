/* What select, pselect6 and ppoll write back into their timeout argument:
 * the time left until the deadline (Linux's poll_select_finish). */
#ifndef UNIX_POLL_TIMEOUT_H
#define UNIX_POLL_TIMEOUT_H
#include <stdint.h>
#include <stdbool.h>

/* Writes the time left before deadline (0 if passed) at utime, as a
 * struct timespec or (timeval) a struct timeval.  Nothing is written for
 * a zero timeout, as on Linux, nor for one that saturated to forever (its
 * own value is as good); a failed copy is ignored, as on Linux. */
void poll_timeout_write_back(uint64_t utime, bool timeval, uint64_t timeout_ns, uint64_t deadline);

#endif
