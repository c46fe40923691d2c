#include "drivers/madt.h"
#include "lib/string.h"

#define HEADER_LEN 36           /* the common ACPI table header */
#define MADT_FIXED_LEN 44       /* + local APIC address, flags */
#define TYPE_LOCAL_APIC 0
#define TYPE_LAPIC_OVERRIDE 5
#define TYPE_LOCAL_X2APIC 9
#define FLAG_ENABLED 1u
#define FLAG_ONLINE_CAPABLE 2u

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static bool fail(struct madt_info *out, const char *why)
{
    out->valid = false;
    out->error = why;
    out->ncpus = 0;
    return false;
}

int madt_find(const struct madt_info *info, uint32_t apic_id)
{
    for (unsigned i = 0; i < info->ncpus; i++)
        if (info->cpus[i].apic_id == apic_id)
            return (int)i;
    return -1;
}

/* One processor entry.  APIC id 0xff (xAPIC) or 0xffffffff (x2APIC) is the
 * broadcast address, never a processor's: counted as disabled. */
static void add_cpu(struct madt_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2)
{
    bool broadcast = x2 ? apic_id == 0xffffffffu : apic_id == 0xffu;
    if (broadcast || !(flags & (FLAG_ENABLED | FLAG_ONLINE_CAPABLE))) {
        out->disabled++;
        return;
    }
    if (!(flags & FLAG_ENABLED)) {
        out->online_capable++;
        return;
    }
    if (madt_find(out, apic_id) >= 0) {
        out->duplicates++;
        return;
    }
    if (out->ncpus == MADT_MAX_CPUS) {
        out->over_limit++;
        return;
    }
    out->cpus[out->ncpus++] = (struct madt_cpu){ apic_id, uid, x2 };
}

bool madt_parse(const void *table, uint64_t avail, struct madt_info *out)
{
    const uint8_t *t = table;
    memset(out, 0, sizeof(*out));
    if (!t || avail < MADT_FIXED_LEN)
        return fail(out, "shorter than its fixed part");
    if (memcmp(t, "APIC", 4))
        return fail(out, "not an APIC table");
    uint32_t len = get32(t + 4);
    if (len < MADT_FIXED_LEN || len > avail)
        return fail(out, "its length is out of bounds");
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += t[i];
    if (sum)
        return fail(out, "bad checksum");
    out->lapic_phys = get32(t + HEADER_LEN);
    for (uint32_t off = MADT_FIXED_LEN; off < len;) {
        if (len - off < 2)
            return fail(out, "an entry header runs past the end");
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || elen > len - off)
            return fail(out, "an entry's length is out of bounds");
        const uint8_t *e = t + off;
        if (type == TYPE_LOCAL_APIC) {
            if (elen < 8)
                return fail(out, "a local APIC entry is too short");
            add_cpu(out, e[3], e[2], get32(e + 4), false);
        } else if (type == TYPE_LOCAL_X2APIC) {
            if (elen < 16)
                return fail(out, "a local x2APIC entry is too short");
            add_cpu(out, get32(e + 4), get32(e + 12), get32(e + 8), true);
        } else if (type == TYPE_LAPIC_OVERRIDE) {
            if (elen < 12)
                return fail(out, "a local APIC address override is too short");
            uint64_t a;
            memcpy(&a, e + 4, 8);
            out->lapic_phys = a;
        }
        off += elen;
    }
    if (out->ncpus == 0)
        return fail(out, "no enabled processor");
    out->valid = true;
    return true;
}
