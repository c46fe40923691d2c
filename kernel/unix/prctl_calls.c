/* prctl: the process name and the few flags C libraries and runtimes ask for. */
#include "unix/syscall.h"
#include "unix/prctl.h"
#include "unix/usercopy.h"
#include "lib/string.h"
#include "lib/errno.h"

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

static char comm[16] = "program";
static int no_new_privs;

void prctl_comm_init(const char *program)
{
    const char *base = program;
    for (const char *p = program; *p; p++)
        if (*p == '/' && p[1])
            base = p + 1;
    size_t n = 0;
    while (n < sizeof(comm) - 1 && base[n] && base[n] != '/')
        n++;
    memcpy(comm, base, n);
    comm[n] = 0;
}

void prctl_comm(char out[16])
{
    memcpy(out, comm, sizeof(comm));
}

int64_t sys_prctl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    switch (a0) {
    case PR_SET_NAME: {
        char name[16];
        int64_t n = strncpy_from_user(name, a1, sizeof(name));
        if (n == -EFAULT)
            return -EFAULT;
        name[15] = 0;
        memcpy(comm, name, sizeof(comm));
        return 0;
    }
    case PR_GET_NAME:
        return copy_to_user(a1, comm, sizeof(comm));
    case PR_SET_PDEATHSIG:
        return a1 <= 64 ? 0 : -EINVAL;
    case PR_GET_PDEATHSIG: {
        int32_t zero = 0;
        return copy_to_user(a1, &zero, sizeof(zero));
    }
    case PR_GET_DUMPABLE:
        return 0;
    case PR_SET_DUMPABLE:
        return a1 <= 1 ? 0 : -EINVAL;
    case PR_SET_NO_NEW_PRIVS:
        if (a1 != 1 || a2 || a3 || a4)
            return -EINVAL;
        no_new_privs = 1;
        return 0;
    case PR_GET_NO_NEW_PRIVS:
        return no_new_privs;
    default:
        return -EINVAL;
    }
}
