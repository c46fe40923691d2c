/* Making signals pending: to the process (kill, timers, the host's Ctrl-C)
 * or to one thread (tgkill, faults, SIGPIPE), and waking the thread that
 * is to take it (unix/signal.h, unix/signal_thread.h). */
#include "unix/signal.h"
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "unix/process.h"
#include "sched/sched.h"
#include "lib/errno.h"
#include <stdint.h>

static bool valid(int sig) { return sig >= 1 && sig <= NSIG; }

/* For senders: the mask a thread blocks with, counting what an
 * rt_sigtimedwait unblocked only to be woken (lock held). */
static uint64_t blocked_by(const struct thread_signals *s)
{
    return s->wait_set ? s->real_mask | s->mask : s->mask;
}

static bool ignored_action(int sig)
{
    uint64_t h = proc.actions[sig - 1].handler;
    return h == SIG_IGN || (h == SIG_DFL && sigset_default_action(sig) == SIG_DEFAULT_IGNORE);
}

/* Whether a thread that does not block sig would act on it now: run a
 * handler or end the program (a wait it is in then ends). */
static bool acts_on(int sig)
{
    uint64_t h = proc.actions[sig - 1].handler;
    if (sig == SIGKILL)
        return true;
    return h != SIG_IGN && (h != SIG_DFL || sigset_default_action(sig) == SIG_DEFAULT_TERMINATE);
}

/* Whether sig ends a wait of thread s: it acts on it, or s waits for it
 * in rt_sigtimedwait. */
static bool interrupts(const struct thread_signals *s, int sig)
{
    return acts_on(sig) || (s->wait_set & sigset_bit(sig));
}

/* The thread to wake for a process-directed signal: the current one if it
 * does not block it, else the first that does not (Linux's
 * complete_signal; a thread in rt_sigtimedwait for it counts as not
 * blocking it); NULL when every thread blocks it (lock held). */
static struct thread_signals *pick_target(int sig)
{
    struct thread *cur = sched_current();
    if (cur && cur->signals && !(cur->signals->mask & sigset_bit(sig)))
        return cur->signals;
    for (struct list_node *n = signal_threads.next; n != &signal_threads; n = n->next) {
        struct thread_signals *s = LIST_ENTRY(n, struct thread_signals, node);
        if (!(s->mask & sigset_bit(sig)))
            return s;
    }
    return 0;
}

void signal_retarget(uint64_t sigs)
{
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    uint64_t pending = proc.sigpending & sigs;
    for (int sig = 1; pending && sig <= NSIG; sig++) {
        if (!(pending & sigset_bit(sig)))
            continue;
        pending &= ~sigset_bit(sig);
        struct thread_signals *s = pick_target(sig);
        if (s && s->thread != sched_current() && interrupts(s, sig))
            sched_wake_signal(s->thread);
    }
    spin_unlock_irqrestore(&signal_lock, flags);
}

static bool blocked_by_any(int sig)
{
    for (struct list_node *n = signal_threads.next; n != &signal_threads; n = n->next)
        if (blocked_by(LIST_ENTRY(n, struct thread_signals, node)) & sigset_bit(sig))
            return true;
    return false;
}

void signal_send(const struct signal_info *info)
{
    int sig = info->signo;
    if (!valid(sig))
        return;
    signal_attach_main();
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    /* Ignored where it is sent, unless blocked: the action may change
     * before it is unblocked, as Linux keeps it.  One instance per
     * signal: a second merges into the first (real-time signals queue on
     * Linux; not here). */
    bool drop = sig != SIGKILL && ignored_action(sig) && !blocked_by_any(sig);
    if (!drop && !(proc.sigpending & sigset_bit(sig))) {
        proc.sigpending |= sigset_bit(sig);
        proc.siginfo[sig - 1] = *info;
        struct thread_signals *s = pick_target(sig);
        if (s && interrupts(s, sig))
            sched_wake_signal(s->thread);
    }
    spin_unlock_irqrestore(&signal_lock, flags);
}

int signal_send_thread(struct thread *t, const struct signal_info *info)
{
    int sig = info->signo;
    if (!valid(sig))
        return -EINVAL;
    signal_attach_main();
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    struct thread_signals *s = t->signals;
    int err = s ? 0 : -ESRCH;
    bool blocked = s && (blocked_by(s) & sigset_bit(sig));
    if (s && (sig == SIGKILL || blocked || !ignored_action(sig)) && !(s->pending & sigset_bit(sig))) {
        s->pending |= sigset_bit(sig);
        s->info[sig - 1] = *info;
        if (!(s->mask & sigset_bit(sig)) && interrupts(s, sig))
            sched_wake_signal(t);
    }
    spin_unlock_irqrestore(&signal_lock, flags);
    return err;
}

bool signal_send_fault(const struct signal_info *info)
{
    int sig = info->signo;
    struct thread_signals *s = signal_self();
    uint64_t h = proc.actions[sig - 1].handler;
    if (!s || (s->mask & sigset_bit(sig)) || h == SIG_IGN || h == SIG_DFL)
        return false;
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    s->pending |= sigset_bit(sig);
    s->info[sig - 1] = *info;           /* the fault's details win */
    spin_unlock_irqrestore(&signal_lock, flags);
    return true;
}

void signal_force(int sig, const char *why)
{
    struct thread_signals *s = signal_self();
    struct k_sigaction *ka = &proc.actions[sig - 1];
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    if (ka->handler == SIG_IGN || (s->mask & sigset_bit(sig)))
        ka->handler = SIG_DFL;
    s->mask &= ~sigset_bit(sig);
    s->pending |= sigset_bit(sig);
    s->info[sig - 1] = (struct signal_info){ .signo = sig, .code = SI_KERNEL, .why = why };
    spin_unlock_irqrestore(&signal_lock, flags);
}

bool signal_pending_interrupts(void)
{
    struct thread_signals *s = signal_self();
    if (!s)
        return false;
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    uint64_t ready = (s->pending | proc.sigpending) & ~(s->mask & ~SIGSET_UNBLOCKABLE);
    bool yes = false;
    for (int sig = 1; sig <= NSIG && !yes; sig++)
        yes = (ready & sigset_bit(sig)) && interrupts(s, sig);
    spin_unlock_irqrestore(&signal_lock, flags);
    return yes;
}

int signal_take(uint64_t set, struct signal_info *info)
{
    struct thread_signals *s = signal_self();
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    int sig = sigset_next(s->pending & set, 0);
    if (sig) {
        s->pending &= ~sigset_bit(sig);
        *info = s->info[sig - 1];
    } else if ((sig = sigset_next(proc.sigpending & set, 0)) != 0) {
        proc.sigpending &= ~sigset_bit(sig);
        *info = proc.siginfo[sig - 1];
    }
    spin_unlock_irqrestore(&signal_lock, flags);
    return sig;
}

/* Lock held: the pending instance of info's timer signal, if any. */
static struct signal_info *pending_timer_signal(struct thread_signals *s, const struct signal_info *info)
{
    int sig = info->signo;
    uint64_t pending = s ? s->pending : proc.sigpending;
    struct signal_info *slot = s ? &s->info[sig - 1] : &proc.siginfo[sig - 1];
    if ((pending & sigset_bit(sig)) && slot->code == SI_TIMER && slot->pid == info->pid)
        return slot;
    return 0;
}

int32_t signal_send_timer(struct thread *t, const struct signal_info *info, uint32_t expirations)
{
    if (!valid(info->signo))
        return 0;
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    struct thread_signals *s = t ? t->signals : 0;
    struct signal_info *queued = info->code == SI_TIMER && (s || !t) ? pending_timer_signal(s, info) : 0;
    if (queued) {
        uint64_t sum = (uint64_t)queued->uid + expirations;
        queued->uid = (uint32_t)(sum > INT32_MAX ? INT32_MAX : sum);
        int32_t overrun = (int32_t)queued->uid;
        spin_unlock_irqrestore(&signal_lock, flags);
        return overrun;
    }
    spin_unlock_irqrestore(&signal_lock, flags);
    if (t)
        signal_send_thread(t, info);
    else
        signal_send(info);
    return info->code == SI_TIMER ? (int32_t)info->uid : 0;
}
