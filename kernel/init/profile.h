#ifndef INIT_PROFILE_H
#define INIT_PROFILE_H

/* A sampling profiler (kernel command line "profile"): the timer tick
 * records where the kernel was; the top functions are logged at exit. */
void profile_start(void);
void profile_report(void);

#endif
