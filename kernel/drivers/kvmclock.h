/* KVM's paravirtual clock (kvmclock), read once at boot: the TSC's exact
 * frequency and the wall-clock time, where calibrating against the ACPI PM
 * timer is off by up to half a percent (its port reads trap to the host). */
#ifndef DRIVERS_KVMCLOCK_H
#define DRIVERS_KVMCLOCK_H
#include <stdbool.h>
#include <stdint.h>

struct kvmclock_reading {
    uint64_t tsc_hz;        /* the TSC's frequency the host keeps time with */
    uint64_t tsc;           /* a TSC value ... */
    uint64_t realtime_ns;   /* ... and the wall-clock time (ns since the epoch) then */
};

/* True if the host offers kvmclock and gave a sane answer. */
bool kvmclock_read(struct kvmclock_reading *out);

/* Pure helpers (unit-tested): the frequency a pvclock multiplier and
 * shift stand for, and a TSC delta scaled to nanoseconds by them. */
uint64_t kvmclock_tsc_hz(uint32_t mul, int8_t shift);
uint64_t kvmclock_scale(uint64_t delta, uint32_t mul, int8_t shift);

#endif
