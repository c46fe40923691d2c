# ext2 (kernel/fs/ext2) host tests: the library compiled with the kernel
# unit-test shims (tests/unit/kernel) against a memory-backed block device;
# mke2fs makes the images, e2fsck and debugfs judge what the library wrote.
# Also the libFuzzer harness (tests/fuzz), run by tests/checks/ext2-fuzz.test.
EXT2_UNIT_DIR := $(BUILD)/tests/unit
EXT2_SRCS := $(wildcard kernel/fs/ext2/*.c) kernel/drivers/block.c
EXT2_HDRS := $(wildcard kernel/fs/ext2/*.h) kernel/drivers/block.h kernel/drivers/block_stage.h
EXT2_SHIMS := tests/unit/kernel/shim_heap.c tests/unit/kernel/shim_log.c tests/unit/kernel/shim_user_window.c
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

$(EXT2_UNIT_DIR)/ext2_stream: tests/unit/ext2/test_ext2_stream.c $(EXT2_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $(EXT2_TEST_CFLAGS) -o $@ $< $(EXT2_TEST_HELPERS) $(EXT2_SRCS) $(EXT2_SHIMS) $(UNIT_LIBS)

# Throughput: optimised and without sanitizers, as the kernel builds it.
$(EXT2_UNIT_DIR)/ext2_perf: tests/unit/ext2/test_ext2_perf.c $(EXT2_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O2 $(EXT2_TEST_CFLAGS) -o $@ $< $(EXT2_TEST_HELPERS) $(EXT2_SRCS) $(EXT2_SHIMS) $(UNIT_LIBS)

UNIT_TESTS += $(EXT2_UNIT_DIR)/ext2_rw $(EXT2_UNIT_DIR)/ext2_corrupt $(EXT2_UNIT_DIR)/ext2_stream $(EXT2_UNIT_DIR)/ext2_perf

# The fuzzing harness (clang's libFuzzer with ASan and UBSan).  Without
# fuzzing support in clang, a note replaces it and the check skips.
EXT2_FUZZ := $(BUILD)/tests/fuzz/ext2_fuzz
EXT2_FUZZ_SRCS := tests/fuzz/ext2_fuzz.c tests/fuzz/walk.c tests/fuzz/shim.c tests/unit/kernel/shim_user_window.c $(EXT2_SRCS)
$(EXT2_FUZZ): $(EXT2_FUZZ_SRCS) tests/fuzz/walk.h $(EXT2_HDRS) tests/unit/ext2/unit.mk
	@mkdir -p $(@D)
	@rm -f $@ $@.unsupported
	@if echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
		clang -x c - -fsanitize=fuzzer,address -o $@.probe >/dev/null 2>&1; then \
		echo "clang -fsanitize=fuzzer,address,undefined -o $@"; \
		clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
			-Ikernel -Iinclude -Itests/fuzz -o $@ $(EXT2_FUZZ_SRCS); \
	else \
		echo "clang lacks libFuzzer (-fsanitize=fuzzer)" > $@.unsupported; touch $@; \
	fi
	@rm -f $@.probe

test-programs: $(EXT2_FUZZ)
