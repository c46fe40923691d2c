/* TLB shootdowns.  Every CPU runs on the same page tables, so when a
 * mapping is removed or weakened, the other CPUs may still hold the old
 * translation in their TLBs.  Before the call that changed it returns (and
 * before a freed frame can be handed out again), each CPU that may use it
 * flushes: an IPI (VECTOR_IPI_TLB) and its acknowledgement.
 *
 * A CPU that runs no program thread (idle) is not interrupted for program
 * memory: it flushes before it next switches to one (tlb_enter_user).
 * Kernel mappings (the heap) concern every CPU. */
#ifndef MM_TLB_H
#define MM_TLB_H
#include <stdint.h>
#include <stdbool.h>

/* Installs the IPI handler (once, before a second CPU runs threads). */
void tlb_init(void);
/* Whether another CPU may hold translations (more than one CPU online). */
bool tlb_other_cpus(void);

/* Program memory: a frame whose mapping was just cleared is freed only
 * after the other CPUs flushed (tlb_sync_user); call tlb_sync_user once
 * the page-table change is complete. */
void tlb_free_frame_later(uint64_t pa);
void tlb_sync_user(void);
/* After a protection change (no frame freed, but a right taken away). */
void tlb_sync_user_protect(void);
/* Kernel memory: every other CPU flushes now. */
void tlb_sync_kernel(void);

/* The scheduler says when this CPU starts or stops running program
 * threads (the flush an idle CPU missed happens in tlb_enter_user). */
void tlb_enter_user(void);
void tlb_leave_user(void);

/* How many shootdowns were sent (for logs and tests). */
uint64_t tlb_shootdowns(void);

#endif
