#include "drivers/kvmclock.h"
#include "arch/x86_64/cpu.h"
#include "mm/dma.h"
#include "lib/string.h"
#include "lib/log.h"

#define CPUID_HYPERVISOR_BIT (1u << 31)     /* CPUID 1, ECX */
#define KVM_CPUID_BASE 0x40000000
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

/* The host's layout (Linux's struct pvclock_vcpu_time_info and
 * pvclock_wall_clock).  Each is consistent when its version is even and
 * the same before and after reading it. */
struct pvclock_time {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;       /* ns since the guest started */
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};

_Static_assert(sizeof(struct pvclock_time) == 32, "pvclock_vcpu_time_info is 32 bytes");

struct pvclock_wall {
    uint32_t version;
    uint32_t sec;               /* the epoch time when system_time was 0 */
    uint32_t nsec;
};

uint64_t kvmclock_tsc_hz(uint32_t mul, int8_t shift)
{
    if (!mul || shift < -31 || shift > 31)
        return 0;
    /* ns per tick = mul * 2^shift / 2^32 */
    uint64_t hz = (1000000000ull << 32) / mul;
    return shift < 0 ? hz << -shift : hz >> shift;
}

uint64_t kvmclock_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static bool kvm_has_clock(void)
{
    if (!(cpuid(1, 0).ecx & CPUID_HYPERVISOR_BIT))
        return false;
    struct cpuid_regs r = cpuid(KVM_CPUID_BASE, 0);
    char sig[12];
    memcpy(sig + 0, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    if (memcmp(sig, "KVMKVMKVM\0\0\0", 12) || r.eax < KVM_CPUID_BASE + 1)
        return false;
    return cpuid(KVM_CPUID_BASE + 1, 0).eax & KVM_FEATURE_CLOCKSOURCE2;
}

/* Copies a structure the host updates, retrying while it writes. */
static bool read_consistent(volatile const uint32_t *version, const volatile void *src,
                            void *dst, size_t len)
{
    for (int tries = 0; tries < 1000000; tries++) {
        uint32_t v = *version;
        __asm__ volatile("" ::: "memory");
        if (v == 0 || (v & 1)) {
            cpu_relax();
            continue;
        }
        memcpy(dst, (const void *)src, len);
        __asm__ volatile("" ::: "memory");
        if (*version == v)
            return true;
    }
    return false;
}

/* The host writes into the DMA heap (shared memory: under SEV it could not
 * write private memory), and stops once the MSR is cleared again. */
bool kvmclock_read(struct kvmclock_reading *out)
{
    if (!kvm_has_clock())
        return false;
    struct dma_buffer b;
    if (dma_alloc(64, 64, &b) != 0) {
        klog("kvmclock: no DMA memory for its page: calibrating instead");
        return false;
    }
    volatile struct pvclock_time *t = b.va;
    volatile struct pvclock_wall *w = (volatile struct pvclock_wall *)((char *)b.va + 32);
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, b.device | 1);
    wrmsr(MSR_KVM_WALL_CLOCK_NEW, b.device + 32);
    struct pvclock_time tc;
    struct pvclock_wall wc;
    bool ok = read_consistent(&t->version, t, &tc, sizeof(tc)) &&
              read_consistent(&w->version, w, &wc, sizeof(wc));
    uint64_t now = rdtsc();
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
    dma_free(&b);
    uint64_t hz = ok ? kvmclock_tsc_hz(tc.tsc_to_system_mul, tc.tsc_shift) : 0;
    /* Refuse nonsense: a host answer outside 100 MHz..100 GHz, or a TSC
     * stamp ahead of ours. */
    if (!ok || hz < 100000000ull || hz > 100000000000ull || now < tc.tsc_timestamp) {
        klog("kvmclock: no usable answer from the host: calibrating instead");
        return false;
    }
    uint64_t system_ns = tc.system_time +
        kvmclock_scale(now - tc.tsc_timestamp, tc.tsc_to_system_mul, tc.tsc_shift);
    out->tsc_hz = hz;
    out->tsc = now;
    out->realtime_ns = (uint64_t)wc.sec * 1000000000ull + wc.nsec + system_ns;
    return true;
}
