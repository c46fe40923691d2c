#include "unix/usercopy.h"
#include "unix/process.h"
#include "mm/user_window.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "fs/vnode.h"

/* A checked range is a window (mm/user_window.h): inside it a kernel-mode
 * fault on a user page is demand paging on the program's behalf, so a large
 * buffer only gets the pages data really lands in. */
bool user_begin(uint64_t addr, size_t len, bool write)
{
    return user_window_open(&proc.as, addr, len, write);
}

void user_end(void)
{
    user_window_close();
}

int copy_from_user(void *dst, uint64_t src, size_t len)
{
    if (!user_begin(src, len, false))
        return -EFAULT;
    memcpy(dst, (const void *)src, len);
    user_end();
    return 0;
}

int copy_to_user(uint64_t dst, const void *src, size_t len)
{
    if (!user_begin(dst, len, true))
        return -EFAULT;
    memcpy((void *)dst, src, len);
    user_end();
    return 0;
}

int64_t strncpy_from_user(char *dst, uint64_t src, size_t max)
{
    size_t n = 0;
    while (n < max) {
        /* Check page by page: the string may end before an unmapped page. */
        uint64_t page_left = 4096 - ((src + n) & 4095);
        size_t chunk = max - n < page_left ? max - n : page_left;
        if (!user_begin(src + n, chunk, false))
            return -EFAULT;
        const char *s = (const char *)(src + n);
        for (size_t i = 0; i < chunk; i++) {
            dst[n + i] = s[i];
            if (s[i] == 0) {
                user_end();
                return (int64_t)(n + i);
            }
        }
        user_end();
        n += chunk;
    }
    return -ENAMETOOLONG;
}
