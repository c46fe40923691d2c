#include "init/profile.h"
#include "arch/x86_64/trap.h"
#include "drivers/clock.h"
#include "lib/ksyms.h"
#include "lib/log.h"
#include "unix/syscall.h"

#define HZ 4000
#define SLOTS 512

struct slot { uint64_t fn; uint64_t count; };
static struct slot slots[SLOTS];
static uint64_t user_samples, kernel_samples, idle_samples, lost;

static void sample(struct trap_frame *f)
{
    if (trap_from_user(f)) {
        user_samples++;
        return;
    }
    uint64_t offset;
    const char *name = ksyms_lookup(f->rip, &offset);
    if (!name) {
        lost++;
        return;
    }
    kernel_samples++;
    uint64_t fn = f->rip - offset;
    for (uint64_t i = (fn >> 4) % SLOTS, n = 0; n < SLOTS; i = (i + 1) % SLOTS, n++) {
        if (slots[i].fn == fn || slots[i].fn == 0) {
            slots[i].fn = fn;
            slots[i].count++;
            return;
        }
    }
    lost++;
}

void profile_start(void)
{
    if (clock_start_ticks(HZ, sample) < 0)
        klog("profile: no calibrated LAPIC timer, no profile");
    else {
        syscall_allow_interrupts(true);
        klog("profile: sampling at %u Hz", HZ);
    }
}

void profile_report(void)
{
    uint64_t total = user_samples + kernel_samples + lost;
    if (!total)
        return;
    klog("profile: %lu samples: %lu%% in the program, %lu%% in the kernel", total,
         user_samples * 100 / total, kernel_samples * 100 / total);
    (void)idle_samples;
    for (int k = 0; k < 20; k++) {
        int best = -1;
        for (int i = 0; i < SLOTS; i++)
            if (slots[i].count && (best < 0 || slots[i].count > slots[best].count))
                best = i;
        if (best < 0)
            break;
        uint64_t off;
        const char *name = ksyms_lookup(slots[best].fn, &off);
        klog("profile: %5lu.%lu%% %s", slots[best].count * 100 / total,
             slots[best].count * 1000 / total % 10, name ? name : "?");
        slots[best].count = 0;
    }
}
