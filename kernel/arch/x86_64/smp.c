#include "arch/x86_64/smp.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "lib/string.h"
#include <stddef.h>

/* The trampoline's parameters, at trampoline_data in the copy (offsets
 * are trampoline.asm's TD_*). */
struct trampoline_data {
    uint32_t boot_cr3;
    uint32_t cr0;
    uint32_t efer;          /* EFER bits to set: LME, NXE, SCE */
    uint32_t pad;
    uint64_t entry64;
    uint64_t kernel_cr3;
    uint64_t slots;
    uint64_t nslots;
    uint64_t c_entry;
};
_Static_assert(offsetof(struct trampoline_data, c_entry) == 48, "trampoline.asm TD_C_ENTRY");

/* One AP's claim ticket: ap_entry64 looks its APIC id up and moves it from
 * STARTING to RUNNING; the boot CPU moves it to ABANDONED when it gives up,
 * so a late AP cannot use a stack the boot CPU took back. */
struct smp_slot {
    uint32_t apic_id;
    uint32_t state;
    uint64_t stack_top;
    uint64_t arg;
};
_Static_assert(sizeof(struct smp_slot) == 24, "trampoline.asm SLOT_SIZE");
enum { SLOT_EMPTY, SLOT_STARTING, SLOT_RUNNING, SLOT_ABANDONED };

extern const char trampoline_start[], trampoline_end[], trampoline_data[];
void ap_entry64(void);

#define EFER_LME (1u << 8)

static struct smp_slot slots[SMP_MAX_CPUS];
static struct percpu *cpus[SMP_MAX_CPUS] = { &percpu0 };
static unsigned cpu_count = 1;
static unsigned online = 1;
static struct cpu_state boot_state;
static smp_idle_hook_fn idle_hook;

void smp_init_boot_cpu(void)
{
    if (lapic_present())
        percpu0.apic_id = lapic_id();
}

void smp_set_cpu_count(unsigned n)
{
    cpu_count = n < 1 ? 1 : n > SMP_MAX_CPUS ? SMP_MAX_CPUS : n;
}

unsigned smp_cpu_count(void)
{
    return cpu_count;
}

unsigned smp_online_count(void)
{
    return __atomic_load_n(&online, __ATOMIC_ACQUIRE);
}

struct percpu *smp_percpu(unsigned i)
{
    return i < smp_online_count() ? cpus[i] : 0;
}

static void __attribute__((noreturn)) idle_loop(void)
{
    for (;;) {
        smp_idle_hook_fn hook = __atomic_load_n(&idle_hook, __ATOMIC_ACQUIRE);
        if (hook)
            hook();
        else
            cpu_wait_for_interrupt();
    }
}

/* Called by ap_entry64 on the AP's own stack, interrupts off, on the
 * kernel's page tables. */
static void __attribute__((noreturn, used)) ap_main(struct smp_ap *ap)
{
    gdt_init_cpu(ap->percpu, ap->tables);
    for (unsigned i = 0; i < SMP_IST_STACKS; i++)
        gdt_set_ist(i + 1, ap->ist_top[i]);
    gdt_set_kernel_stack(ap->stack_top);
    trap_load_idt();
    cpu_state_load(&boot_state);
    lapic_init_this_cpu();
    __atomic_store_n(&ap->online, true, __ATOMIC_RELEASE);
    idle_loop();
}

static void wake_interrupt(struct trap_frame *f)
{
    (void)f;
    lapic_eoi();
}

static void delay_us(uint64_t tsc_hz, uint64_t us)
{
    uint64_t end = rdtsc() + tsc_hz / 1000000 * us;
    while ((int64_t)(rdtsc() - end) < 0)
        cpu_relax();
}

/* Whether INIT needs the 10 ms the MP specification asks for: only before
 * Intel's family 6 and AMD's family 0Fh. */
static bool legacy_init_delay(void)
{
    struct cpuid_regs v = cpuid(0, 0), f = cpuid(1, 0);
    unsigned family = (f.eax >> 8) & 0xf;
    if (family == 0xf)
        family += (f.eax >> 20) & 0xff;
    bool intel = v.ebx == 0x756e6547u;      /* "GenuineIntel" */
    bool amd = v.ebx == 0x68747541u;        /* "AuthenticAMD" */
    return !((intel && family == 6) || (amd && family >= 0xf));
}

static bool all_online(const struct smp_start *s)
{
    for (unsigned i = 0; i < s->naps; i++)
        if (!__atomic_load_n(&s->aps[i].online, __ATOMIC_ACQUIRE))
            return false;
    return true;
}

static void prepare_trampoline(const struct smp_start *s)
{
    memcpy(s->trampoline, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    struct trampoline_data *td =
        (void *)((char *)s->trampoline + (trampoline_data - trampoline_start));
    td->boot_cr3 = (uint32_t)s->boot_root;
    td->cr0 = (uint32_t)boot_state.cr0;
    td->efer = (uint32_t)(boot_state.efer & (EFER_LME | EFER_NXE | EFER_SCE)) | EFER_LME;
    td->entry64 = (uint64_t)ap_entry64;
    td->kernel_cr3 = s->kernel_root;
    td->slots = (uint64_t)slots;
    td->nslots = s->naps;
    td->c_entry = (uint64_t)ap_main;
    for (unsigned i = 0; i < s->naps; i++) {
        s->aps[i].online = false;
        s->aps[i].percpu->apic_id = s->aps[i].apic_id;
        slots[i] = (struct smp_slot){ s->aps[i].apic_id, SLOT_STARTING, s->aps[i].stack_top,
                                      (uint64_t)&s->aps[i] };
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Waits until every AP is online or the deadline passes. */
static void wait_online(const struct smp_start *s, uint64_t ms)
{
    uint64_t end = rdtsc() + s->tsc_hz / 1000 * ms;
    while (!all_online(s) && (int64_t)(rdtsc() - end) < 0)
        cpu_relax();
}

unsigned smp_start_aps(const struct smp_start *s)
{
    if (!s->naps || s->naps >= SMP_MAX_CPUS || s->boot_root >> 32 || s->trampoline_phys >= (1u << 20) ||
        (s->trampoline_phys & 0xfff) || !lapic_present())
        return 0;
    trap_set_irq_handler(VECTOR_IPI_WAKE, wake_interrupt);
    cpu_state_save(&boot_state);
    prepare_trampoline(s);
    uint8_t page = (uint8_t)(s->trampoline_phys >> 12);
    /* The MP start-up protocol: INIT, 10 ms, STARTUP, 200 us, STARTUP
     * again (a CPU already started ignores the second).  Processors since
     * Intel's family 6 and AMD's family 0Fh need no 10 ms (Linux skips it
     * there too); under TCG that wait was most of the start-up time. */
    for (unsigned i = 0; i < s->naps; i++)
        lapic_send_init(s->aps[i].apic_id);
    if (legacy_init_delay())
        delay_us(s->tsc_hz, 10000);
    for (unsigned i = 0; i < s->naps; i++)
        lapic_send_startup(s->aps[i].apic_id, page);
    delay_us(s->tsc_hz, 200);
    for (unsigned i = 0; i < s->naps; i++)
        if (!__atomic_load_n(&s->aps[i].online, __ATOMIC_ACQUIRE))
            lapic_send_startup(s->aps[i].apic_id, page);
    wait_online(s, s->timeout_ms);
    bool parked = false;
    for (unsigned i = 0; i < s->naps; i++) {
        uint32_t starting = SLOT_STARTING;
        if (__atomic_compare_exchange_n(&slots[i].state, &starting, SLOT_ABANDONED, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            lapic_send_init(s->aps[i].apic_id);     /* never came: parked for good */
            parked = true;
        }
    }
    /* A parked AP may still have been on the boot tables: give the INIT
     * time to land before the caller frees them.  An AP that claimed its
     * slot just before the deadline gets one more timeout. */
    if (parked)
        delay_us(s->tsc_hz, 10000);
    wait_online(s, s->timeout_ms);
    unsigned up = 0;
    for (unsigned i = 0; i < s->naps; i++) {
        if (!__atomic_load_n(&s->aps[i].online, __ATOMIC_ACQUIRE))
            continue;
        struct percpu *pc = s->aps[i].percpu;
        pc->cpu_index = online;
        cpus[online] = pc;
        __atomic_store_n(&online, online + 1, __ATOMIC_RELEASE);
        up++;
    }
    return up;
}

bool smp_slot_claimed(unsigned i)
{
    return i < SMP_MAX_CPUS && __atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) == SLOT_RUNNING;
}

void smp_set_idle_hook(smp_idle_hook_fn hook)
{
    __atomic_store_n(&idle_hook, hook, __ATOMIC_RELEASE);
    for (unsigned i = 1; i < smp_online_count(); i++)
        smp_wake(i);
}

bool smp_wake(unsigned i)
{
    struct percpu *pc = smp_percpu(i);
    return pc && lapic_send_ipi(pc->apic_id, VECTOR_IPI_WAKE);
}
