# ext2 (kernel/fs/ext2) host tests: the library compiled with the kernel
# unit-test shims (tests/unit/kernel) against a memory-backed block device;
# mke2fs makes the images, e2fsck and debugfs judge what the library wrote.
# Also the libFuzzer harness (tests/fuzz), run by tests/checks/ext2-fuzz.test.
EXT2_UNIT_DIR := $(BUILD)/tests/unit
EXT2_SRCS := $(wildcard kernel/fs/ext2/*.c) kernel/drivers/block.c
EXT2_HDRS := $(wildcard kernel/fs/ext2/*.h) kernel/drivers/block.h
EXT2_SHIMS := tests/unit/kernel/shim_heap.c tests/unit/kernel/shim_log.c
EXT2_TEST_HELPERS := tests/unit/ext2/helpers.c tests/unit/ext2/fsutil.c tests/fuzz/walk.c
EXT2_TEST_DEPS := $(EXT2_SRCS) $(EXT2_HDRS) $(EXT2_TEST_HELPERS) tests/unit/ext2/helpers.h \
	tests/unit/ext2/fsutil.h tests/fuzz/walk.h tests/unit/ext2/unit.mk $(EXT2_SHIMS)
EXT2_TEST_CFLAGS := -Ikernel -Iinclude -Itests/unit/kernel -Itests/unit/ext2

$(EXT2_UNIT_DIR)/ext2_rw: tests/unit/ext2/test_ext2_rw.c $(EXT2_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $(EXT2_TEST_CFLAGS) -o $@ $< $(EXT2_TEST_HELPERS) $(EXT2_SRCS) $(EXT2_SHIMS) $(UNIT_LIBS)

$(EXT2_UNIT_DIR)/ext2_corrupt: tests/unit/ext2/test_ext2_corrupt.c $(EXT2_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $(EXT2_TEST_CFLAGS) -o $@ $< $(EXT2_TEST_HELPERS) $(EXT2_SRCS) $(EXT2_SHIMS) $(UNIT_LIBS)

# Throughput: optimised and without sanitizers, as the kernel builds it.
$(EXT2_UNIT_DIR)/ext2_perf: tests/unit/ext2/test_ext2_perf.c $(EXT2_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O2 $(EXT2_TEST_CFLAGS) -o $@ $< $(EXT2_TEST_HELPERS) $(EXT2_SRCS) $(EXT2_SHIMS) $(UNIT_LIBS)

UNIT_TESTS += $(EXT2_UNIT_DIR)/ext2_rw $(EXT2_UNIT_DIR)/ext2_corrupt $(EXT2_UNIT_DIR)/ext2_perf
