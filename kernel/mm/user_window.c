#include "mm/user_window.h"
#include "mm/address_space.h"
#include "mm/layout.h"
#include "arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "lib/log.h"

/* Per thread, the windows are a stack, and the pins live only while a
 * window is open.  Before the first thread exists, the boot state. */
static struct user_window_state boot_state;
static struct user_window_state *switched = &boot_state;
/* With several CPUs, "the running thread" depends on the CPU asking: the
 * scheduler says which (user_window_set_current). */
static struct user_window_state *(*current_state)(void);
static inline struct user_window_state *cur_ws(void)
{
    return current_state ? current_state() : switched;
}
#define windows (cur_ws()->windows)
#define depth (cur_ws()->depth)
#define pins (cur_ws()->pins)
#define npins (cur_ws()->npins)

void user_window_switch(struct user_window_state *s)
{
    switched = s;
}

void user_window_set_current(struct user_window_state *(*fn)(void))
{
    current_state = fn;
}

bool user_window_open(struct address_space *as, uint64_t addr, size_t len, bool write)
{
    if (!as_check(as, addr, len, write ? PROT_WRITE : PROT_READ))
        return false;
    /* Nesting deeper than a few buffers means a kernel loop forgot to
     * close its window: a bug, not bad input. */
    if (depth == USER_WINDOW_DEPTH)
        panic("user window: more than %u nested windows", USER_WINDOW_DEPTH);
    windows[depth++] = (struct user_window){ as, addr, addr + len, write };
    if (depth == 1)
        user_access_begin();
    return true;
}

void user_window_close(void)
{
    if (depth == 0)
        panic("user window: closed more windows than were opened");
    depth--;
    if (depth == 0) {
        if (npins)
            panic("user window: %u pinned ranges outlive their window", npins);
        user_access_end();
    }
}

static const struct user_window *window_for(uint64_t start, uint64_t end, bool write)
{
    for (unsigned i = depth; i-- > 0;) {
        const struct user_window *w = &windows[i];
        if (start >= w->start && end <= w->end && end > start && (w->write || !write))
            return w;
    }
    return 0;
}

bool user_window_covers(uint64_t addr, bool write)
{
    return addr < USER_TOP && window_for(addr, addr + 1, write) != 0;
}

bool user_address(const void *buf)
{
    return (uint64_t)buf < USER_TOP;
}

int user_window_pin(const void *buf, size_t len, bool write)
{
    uint64_t start = (uint64_t)buf;
    if (len == 0)
        return 0;
    if (start >= USER_TOP || len > USER_TOP - start)
        return -EFAULT;
    const struct user_window *w = window_for(start, start + len, write);
    if (!w)
        return -EFAULT;
    if (npins == USER_WINDOW_DEPTH)
        panic("user window: more than %u pinned ranges", USER_WINDOW_DEPTH);
    for (uint64_t va = PAGE_ROUND_DOWN(start); va < start + len; va += PAGE_SIZE) {
        int err = as_ensure(w->as, va, write);
        if (err)
            return err;
    }
    pins[npins++] = (struct user_pin){ start, start + len };
    return 0;
}

void user_window_unpin(const void *buf, size_t len)
{
    uint64_t start = (uint64_t)buf;
    if (len == 0)
        return;
    for (unsigned i = npins; i-- > 0;) {
        if (pins[i].start == start && pins[i].end == start + len) {
            pins[i] = pins[--npins];
            return;
        }
    }
    panic("user window: unpin of %lx+%zx, which is not pinned", start, len);
}

bool user_window_pinned(uint64_t start, uint64_t len)
{
    for (unsigned i = 0; i < npins; i++)
        if (pins[i].start < start + len && start < pins[i].end)
            return true;
    return false;
}
