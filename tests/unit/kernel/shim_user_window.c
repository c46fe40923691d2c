/* Host stand-in for mm/user_window.c: code under test (the block layer)
 * asks whether a buffer is program memory; on the host every buffer is the
 * test's own, so none is, and nothing is ever pinned. */
#include "mm/user_window.h"

bool user_address(const void *buf)
{
    (void)buf;
    return false;
}

int user_window_pin(const void *buf, size_t len, bool write)
{
    (void)buf; (void)len; (void)write;
    return 0;
}

void user_window_unpin(const void *buf, size_t len)
{
    (void)buf; (void)len;
}
