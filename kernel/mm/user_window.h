/* Checked windows onto program memory.
 *
 * The kernel touches program memory only inside a window a system call
 * opened over a range it checked against the program's regions.  While a
 * window is open, a kernel-mode fault on a page of that range is demand
 * paging on the program's behalf; a kernel-mode fault anywhere else in the
 * lower half is a kernel bug and ends in a crash report.  Windows nest
 * (a call may check a second buffer while the first is open) and close in
 * the reverse order.
 *
 * A range handed towards a device (a read straight into a user buffer) is
 * pinned first: every page is made present while the window is open, so
 * the DMA interface finds real frames, and unmapping a pinned page is
 * refused loudly as the kernel bug it would be. */
#ifndef MM_USER_WINDOW_H
#define MM_USER_WINDOW_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct address_space;

#define USER_WINDOW_DEPTH 8

/* The windows and pins of one thread: a thread may block inside a system
 * call with a window open, and the thread that runs meanwhile has its own.
 * The scheduler points user_window at the running thread's state. */
struct user_window {
    struct address_space *as;
    uint64_t start, end;          /* end exclusive */
    bool write;
};

struct user_pin {
    uint64_t start, end;
};

struct user_window_state {
    struct user_window windows[USER_WINDOW_DEPTH];
    unsigned depth;
    struct user_pin pins[USER_WINDOW_DEPTH];
    unsigned npins;
};

/* Makes s the running thread's windows (s must outlive its use). */
void user_window_switch(struct user_window_state *s);
/* From then on fn() names the running thread's windows on the calling CPU
 * (the scheduler, once several CPUs run threads). */
void user_window_set_current(struct user_window_state *(*fn)(void));

/* Checks [addr, addr+len) for read (or write) access; if it is fine, opens
 * a window over it and supervisor access to user pages (SMAP).  False when
 * the range is not the program's to give. */
bool user_window_open(struct address_space *as, uint64_t addr, size_t len, bool write);
/* Closes the innermost window; SMAP closes with the last one. */
void user_window_close(void);
/* True if a kernel-mode fault at addr (a write or not) lies in an open
 * window that allows it: the fault handler's question. */
bool user_window_covers(uint64_t addr, bool write);
/* True if buf is a program address (so it needs a window and a pin). */
bool user_address(const void *buf);
/* Makes every page of [buf, buf+len) present and holds it until unpin;
 * the range must lie inside one open window allowing the access.
 * 0, -EFAULT (not inside a window) or -ENOMEM. */
int user_window_pin(const void *buf, size_t len, bool write);
void user_window_unpin(const void *buf, size_t len);
/* True if any page of [start, start+len) is pinned. */
bool user_window_pinned(uint64_t start, uint64_t len);

#endif
