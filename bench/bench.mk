# Benchmarks: see bench/run.sh
.PHONY: bench-programs
bench-programs:

# The floor kernel (bench/floor/floor.asm): boots by PVH and through the UEFI
# loader, prints "floor" and exits QEMU; the floor of the boot-time figures.
$(BUILD)/bench/floor.elf: bench/floor/floor.asm
	@mkdir -p $(@D)
	nasm -f bin -o $@ $<
bench-programs: $(BUILD)/bench/floor.elf
