# Host unit tests of the kernel's pure logic (page tables, physical
# allocator, cpio, manifest, ELF check, ACPI _S5, ChaCha20, clock date
# arithmetic, vsnprintf).  The kernel sources are compiled directly with
# -Ikernel -Iinclude; shim_heap.c and shim_log.c stand in for the kernel-only
# heap and log, and libc replaces lib/string.c (which is never built here).
KUNIT_DIR := $(BUILD)/tests/unit
KUNIT_COMMA := ,
KUNIT_OBJ := $(BUILD)/tests/unit-obj/kernel
KUNIT_CFLAGS := $(UNIT_CFLAGS) -Ikernel -Iinclude -Itests/unit/kernel
KUNIT_SHIMS := tests/unit/kernel/shim_heap.c tests/unit/kernel/shim_log.c
KUNIT_DEPS := $(KUNIT_SHIMS) tests/unit/kernel/shim.h tests/unit/kernel/unit.mk \
	$(wildcard kernel/*/*.h kernel/arch/x86_64/*.h include/cloak/*.h)

# $(1) test name (tests/unit/kernel/test_$(1).c -> kernel_$(1)), $(2) kernel
# sources or objects, $(3) extra compiler flags, $(4) extra libraries.
define KUNIT_TEST
$(KUNIT_DIR)/kernel_$(1): tests/unit/kernel/test_$(1).c $(2) $(KUNIT_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(KUNIT_CFLAGS) $(3) -o $$@ tests/unit/kernel/test_$(1).c $(2) $$(KUNIT_SHIMS) \
		$$(UNIT_LIBS) $(4)
UNIT_TESTS += $(KUNIT_DIR)/kernel_$(1)
endef

$(eval $(call KUNIT_TEST,page_table,kernel/mm/page_table.c))
$(eval $(call KUNIT_TEST,phys,kernel/mm/phys.c))
# boot_archive.c fills a ramfs root (ramfs.c, path.c); section garbage
# collection drops what the rest of path.c would need.
$(eval $(call KUNIT_TEST,cpio,kernel/fs/cpio.c kernel/fs/boot_archive.c kernel/fs/ramfs.c kernel/fs/path.c,-ffunction-sections -fdata-sections -Wl$(KUNIT_COMMA)--gc-sections,-larchive))
$(eval $(call KUNIT_TEST,manifest,kernel/init/manifest.c tools/image/manifest_writer.c))
$(eval $(call KUNIT_TEST,elf,kernel/unix/elf.c))
$(eval $(call KUNIT_TEST,acpi,kernel/drivers/acpi.c kernel/drivers/madt.c))
$(eval $(call KUNIT_TEST,madt,kernel/drivers/madt.c))
$(eval $(call KUNIT_TEST,chacha20,kernel/lib/chacha20.c))
# clock.c also holds the TSC/LAPIC/CMOS code; section garbage collection
# drops it (and its references to hardware modules) from the test program.
$(eval $(call KUNIT_TEST,clock,kernel/drivers/clock.c,-ffunction-sections -fdata-sections -Wl$(KUNIT_COMMA)--gc-sections))
$(eval $(call KUNIT_TEST,kvmclock,kernel/drivers/kvmclock.c,-ffunction-sections -fdata-sections -Wl$(KUNIT_COMMA)--gc-sections))
# lib/format.c defines vsnprintf and snprintf: renamed here so that it does
# not replace libc's for the rest of the test program (cmocka included).
$(KUNIT_OBJ)/format.o: kernel/lib/format.c $(KUNIT_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KUNIT_CFLAGS) -Dvsnprintf=kernel_vsnprintf -Dsnprintf=kernel_snprintf -c -o $@ $<
$(eval $(call KUNIT_TEST,format,$(KUNIT_OBJ)/format.o))
$(eval $(call KUNIT_TEST,sev,kernel/arch/x86_64/sev.c))
$(eval $(call KUNIT_TEST,cmdline,kernel/init/cmdline.c))
$(eval $(call KUNIT_TEST,user_window,kernel/mm/user_window.c))
# unix/timeout.c: timeout_from_user (copy_from_user) is dropped by section
# garbage collection; the arithmetic is what is tested.
$(eval $(call KUNIT_TEST,timeout,kernel/unix/timeout.c,-ffunction-sections -fdata-sections -Wl$(KUNIT_COMMA)--gc-sections))
# unix/sigset.c, unix/signal_frame.c, unix/signal_trap.c: signal choice,
# the Linux signal frame's layout and placement, FPU image checks, faults
# to signals.
$(eval $(call KUNIT_TEST,sigset,kernel/unix/sigset.c))
$(eval $(call KUNIT_TEST,signal_frame,kernel/unix/signal_frame.c kernel/unix/signal_trap.c))
# unix/epoll_set.c with unix/readiness.c (its notify and watches; the wait
# and the file helpers are dropped by section garbage collection).
# readiness_notify wakes its waiters through a wait queue: waitq.c with the
# scheduler's stand-in (shim_sched.c).
$(eval $(call KUNIT_TEST,epoll_set,kernel/unix/epoll_set.c kernel/unix/readiness.c kernel/sched/waitq.c tests/unit/kernel/shim_sched.c,-iquote tests/unit/kernel/shim_sched -ffunction-sections -fdata-sections -Wl$(KUNIT_COMMA)--gc-sections))
$(eval $(call KUNIT_TEST,interval_timer,kernel/unix/interval_timer.c))
$(eval $(call KUNIT_TEST,fd_bits,kernel/unix/fd_bits.c))
# Wait queues and the futex table with the scheduler replaced by
# shim_sched.c and spinlocks by a host header that fails on a lock taken
# twice (-iquote puts it before the kernel's arch/x86_64/spinlock.h).
KUNIT_DEPS += tests/unit/kernel/shim_sched.h tests/unit/kernel/shim_sched/arch/x86_64/spinlock.h
KUNIT_SCHED_FLAGS := -iquote tests/unit/kernel/shim_sched
$(eval $(call KUNIT_TEST,waitq,kernel/sched/waitq.c tests/unit/kernel/shim_sched.c,$(KUNIT_SCHED_FLAGS)))
$(eval $(call KUNIT_TEST,futex,kernel/sched/waitq.c kernel/unix/futex_table.c kernel/unix/futex_op.c tests/unit/kernel/shim_sched.c,$(KUNIT_SCHED_FLAGS)))
# net/rx_check.c: received frames' headers against their card's claims.
$(eval $(call KUNIT_TEST,rx_check,kernel/net/rx_check.c))
