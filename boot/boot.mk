# The UEFI loader (boot/uefi/loader.c), an EFI application built with
# gnu-efi: compiled position-independent for the SysV ABI (gnu-efi's crt0
# calls efi_main), firmware calls made directly through ms_abi pointers
# (GNU_EFI_USE_MS_ABI), linked as a shared object, then turned into a PE32+
# EFI application by objcopy.
EFI_INC  ?= /usr/include/efi
EFI_LIB  ?= /usr/lib
EFI_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror=implicit-function-declaration \
	-Iinclude -I$(EFI_INC) -I$(EFI_INC)/x86_64 -DGNU_EFI_USE_MS_ABI \
	-ffreestanding -fpic -fshort-wchar -fno-stack-protector -fno-stack-check \
	-fno-strict-aliasing -mno-red-zone -maccumulate-outgoing-args
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic \
	-T $(EFI_LIB)/elf_x86_64_efi.lds -L$(EFI_LIB)

LOADER_EFI := $(BUILD)/share/cloak/bootx64.efi

$(BUILD)/boot/uefi/loader.o: boot/uefi/loader.c include/cloak/boot_handoff.h include/cloak/sev_early.h \
		boot/boot.mk
	@mkdir -p $(@D)
	$(CC) $(EFI_CFLAGS) -c -o $@ $<

$(BUILD)/boot/uefi/loader.so: $(BUILD)/boot/uefi/loader.o
	ld $(EFI_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $< -o $@ -lefi -lgnuefi

$(LOADER_EFI): $(BUILD)/boot/uefi/loader.so
	@mkdir -p $(@D)
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

ALL_TARGETS += $(LOADER_EFI)
