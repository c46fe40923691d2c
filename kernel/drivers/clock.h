/* Time: the TSC, calibrated at boot against the ACPI PM timer (or the PIT),
 * gives monotonic time; the CMOS clock gives the wall-clock offset; the
 * LAPIC one-shot timer wakes a halted CPU for sleeps. */
#ifndef DRIVERS_CLOCK_H
#define DRIVERS_CLOCK_H
#include <stdint.h>

void clock_init(void);
uint64_t clock_monotonic_ns(void);
uint64_t clock_realtime_ns(void);
void clock_set_realtime_ns(uint64_t ns);
uint64_t clock_tsc_hz(void);
/* Sleeps until the monotonic clock reaches deadline_ns: once threads run,
 * only the calling thread (the others run meanwhile). */
void clock_sleep_until(uint64_t deadline_ns);
/* A periodic tick calling hook in interrupt context (the profiler). */
struct trap_frame;
int clock_start_ticks(unsigned hz, void (*hook)(struct trap_frame *f));

/* Pure helpers, exposed for tests. */
uint64_t clock_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
