#include "unix/usercopy.h"
#include "unix/process.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "fs/vnode.h"

bool user_begin(uint64_t addr, size_t len, bool write)
{
    if (!as_check(&proc.as, addr, len, write ? PROT_WRITE : PROT_READ))
        return false;
    /* Fault the pages in now: a fault inside the copy would be a kernel
     * fault, and running out of memory must end the program, not the
     * kernel. */
    int err = as_populate(&proc.as, addr, len);
    if (err == -ENOMEM)
        process_kill(SIGKILL, "out of memory (no free page for its memory)");
    if (err)
        return false;
    user_access_begin();
    return true;
}

void user_end(void)
{
    user_access_end();
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
