# The kernel: freestanding C and nasm, linked twice so the second link can
# carry a table of its own text symbols for crash reports.
KERNEL_BUILD := $(BUILD)/kernel
KERNEL_ELF := $(BUILD)/share/cloak/kernel.elf
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
	-ffreestanding -fno-builtin -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -mno-sse -mno-mmx -mno-avx -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fcf-protection=none -Ikernel -Iinclude -MMD -MP
# fs/ext2 is linked in once the VFS glue (fs/ext2_vfs.c) exists.
KERNEL_C_SRCS := $(filter-out $(if $(wildcard kernel/fs/ext2_vfs.c),,kernel/fs/ext2/%),$(shell find kernel -name '*.c' | sort))
KERNEL_ASM_SRCS := $(shell find kernel -name '*.asm' | sort)
KERNEL_OBJS := $(patsubst kernel/%.c,$(KERNEL_BUILD)/%.o,$(KERNEL_C_SRCS)) \
	$(patsubst kernel/%.asm,$(KERNEL_BUILD)/%.asm.o,$(KERNEL_ASM_SRCS))
KERNEL_LDS := kernel/arch/x86_64/kernel.ld
KERNEL_OBJS += $(KERNEL_BUILD)/gen/syscall_names.o
include kernel/net/lwip.mk

$(KERNEL_BUILD)/gen/syscall_names.c: scripts/syscall_names.sh
	@mkdir -p $(dir $@)
	scripts/syscall_names.sh > $@

$(KERNEL_BUILD)/gen/syscall_names.o: $(KERNEL_BUILD)/gen/syscall_names.c
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_BUILD)/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# AF_UNIX sockets and splice are no hot path (memcpy does their work):
# -Os keeps the kernel small enough for -m 5M --smp 16 (smp.test).
KERNEL_SMALL_OBJS := $(patsubst kernel/%.c,$(KERNEL_BUILD)/%.o,$(wildcard kernel/unix/unix_socket*.c kernel/unix/sendfile.c))
$(KERNEL_SMALL_OBJS): KERNEL_CFLAGS := $(filter-out -O2,$(KERNEL_CFLAGS)) -Os

$(KERNEL_BUILD)/%.asm.o: kernel/%.asm
	@mkdir -p $(dir $@)
	nasm -f elf64 $< -o $@

$(KERNEL_BUILD)/ksyms-empty.o:
	@mkdir -p $(dir $@)
	printf 'section .ksyms progbits alloc noexec nowrite align=8\ndq 0\n' > $(KERNEL_BUILD)/ksyms-empty.asm
	nasm -f elf64 $(KERNEL_BUILD)/ksyms-empty.asm -o $@

$(KERNEL_BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms-empty.o $(KERNEL_LDS)
	ld -nostdlib -z max-page-size=4096 -z noexecstack -T $(KERNEL_LDS) -o $@ $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms-empty.o

$(KERNEL_BUILD)/ksyms.o: $(KERNEL_BUILD)/kernel.pass1.elf scripts/ksyms.sh
	scripts/ksyms.sh $< > $(KERNEL_BUILD)/ksyms.asm
	nasm -f elf64 $(KERNEL_BUILD)/ksyms.asm -o $@

$(KERNEL_BUILD)/kernel.debug.elf: $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms.o $(KERNEL_LDS)
	ld -nostdlib -z max-page-size=4096 -z noexecstack -T $(KERNEL_LDS) -o $@ $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms.o

# The shipped kernel keeps its symbols but not the debug information.
$(KERNEL_ELF): $(KERNEL_BUILD)/kernel.debug.elf
	@mkdir -p $(dir $@)
	objcopy --strip-debug $< $@

ALL_TARGETS += $(KERNEL_ELF)
.PHONY: kernel
kernel: $(KERNEL_ELF)

-include $(KERNEL_OBJS:.o=.d)
