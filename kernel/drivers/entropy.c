#include "drivers/entropy.h"
#include "arch/x86_64/cpu.h"
#include "lib/chacha20.h"
#include "lib/string.h"
#include "lib/log.h"

static bool rdseed64(uint64_t *v)
{
    for (int i = 0; i < 64; i++) {
        uint8_t ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
        cpu_relax();
    }
    return false;
}

static bool rdrand64(uint64_t *v)
{
    for (int i = 0; i < 16; i++) {
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

const char *entropy_gather(uint8_t *buf, size_t len)
{
    const char *source = cpu_features.rdseed ? "RDSEED" : cpu_features.rdrand ? "RDRAND" : "TSC jitter";
    for (size_t off = 0; off < len; off += 8) {
        uint64_t v = 0;
        bool ok = false;
        if (cpu_features.rdseed)
            ok = rdseed64(&v);
        if (!ok && cpu_features.rdrand)
            ok = rdrand64(&v);
        if (!ok) {
            /* Last resort: low TSC bits around port I/O; weak, and said so. */
            source = "TSC jitter";
            for (int k = 0; k < 64; k++) {
                v = (v << 1 | v >> 63) ^ rdtsc();
                inb(0x80);
            }
        }
        size_t n = len - off < 8 ? len - off : 8;
        memcpy(buf + off, &v, n);
    }
    return source;
}

static struct csprng rng;

void random_init(void)
{
    uint8_t seed[32];
    const char *src = entropy_gather(seed, sizeof(seed));
    csprng_seed(&rng, seed);
    memset(seed, 0, sizeof(seed));
    klog("random: ChaCha20 generator seeded from %s%s", src,
         !strcmp(src, "TSC jitter") ? " (weak: no RDRAND/RDSEED on this CPU)" : "");
}

void random_fill(void *buf, size_t len)
{
    csprng_fill(&rng, buf, len);
}

void random_add_entropy(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        uint8_t seed[32] = { 0 };
        size_t n = len < 32 ? len : 32;
        memcpy(seed, p, n);
        csprng_reseed(&rng, seed);
        memset(seed, 0, sizeof(seed));
        p += n;
        len -= n;
    }
}
