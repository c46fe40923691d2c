/* CPU-time accounting inside sched/ (sched/cputime.c); the public part is
 * in sched/sched.h. */
#ifndef SCHED_CPUTIME_H
#define SCHED_CPUTIME_H
#include "sched/sched.h"

/* A switch from prev to next on this CPU (its lock held). */
void cputime_switch(struct thread *prev, struct thread *next);
/* t runs on this CPU from now on without a switch (the first thread). */
void cputime_start(struct thread *t);
/* Adds t's CPU time up to now to *out. */
void cputime_read(struct thread *t, uint64_t now, struct sched_cputime *out);

#endif
