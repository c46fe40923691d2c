# Benchmarks: see bench/run.sh
.PHONY: bench-programs
bench-programs:

# The floor kernel (bench/floor/floor.asm): boots by PVH and through the UEFI
# loader, prints "floor" and exits QEMU; the floor of the boot-time figures.
$(BUILD)/bench/floor.elf: bench/floor/floor.asm
	@mkdir -p $(@D)
	nasm -f bin -o $@ $<
bench-programs: $(BUILD)/bench/floor.elf

# Guest programs the benchmarks run (static, like every cloak program so far).
$(BUILD)/bench/getppid_loop: bench/progs/getppid_loop.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -static -o $@ $<
bench-programs: $(BUILD)/bench/getppid_loop $(BUILD)/tests/mkdisk
$(BUILD)/bench/seqio: bench/progs/seqio.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -static -o $@ $<
bench-programs: $(BUILD)/bench/seqio
$(BUILD)/bench/rngread: bench/progs/rngread.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -static -o $@ $<
bench-programs: $(BUILD)/bench/rngread
$(BUILD)/bench/smp_bench: bench/progs/smp_bench.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -static -pthread -o $@ $<
bench-programs: $(BUILD)/bench/smp_bench
$(BUILD)/bench/netserve: bench/progs/netserve.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -static -o $@ $<
bench-programs: $(BUILD)/bench/netserve
