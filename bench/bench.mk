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
$(BUILD)/bench/httpserve: bench/progs/httpserve.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -static -o $@ $<
bench-programs: $(BUILD)/bench/httpserve

# Thread benchmarks (bench/thread_bench.py): a C program (glibc pthreads,
# raw futexes) and a Go one, built with Debian's go where it is installed.
BENCH_GO ?= /usr/bin/go
$(BUILD)/bench/threads_bench: bench/progs/threads_bench.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -static -pthread -o $@ $<
bench-programs: $(BUILD)/bench/threads_bench
$(BUILD)/bench/chan_pingpong: bench/progs/chan_pingpong.go
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$(abspath $(BUILD))/bench/go-cache \
	    $(BENCH_GO) build -trimpath -o $(abspath $@) $(<F)
ifneq ($(wildcard $(BENCH_GO)),)
bench-programs: $(BUILD)/bench/chan_pingpong
endif
