# Dynamically linked guest programs (glibc, libstdc++): cloak finds their
# interpreter and libraries; the kernel starts ld.so.
DYN_PROGS := $(BUILD)/tests/guest/dyn/hello_dyn $(BUILD)/tests/guest/dyn/dlopen_libm $(BUILD)/tests/guest/dyn/cxx
$(BUILD)/tests/guest/dyn/%: tests/guest/dynprogs/%.c tests/guest/dynamic.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -o $@ $<
$(BUILD)/tests/guest/dyn/%: tests/guest/dynprogs/%.cc tests/guest/dynamic.mk
	@mkdir -p $(@D)
	g++ -std=gnu++17 -O2 -Wall -o $@ $<
GUEST_PROGRAMS += $(DYN_PROGS)
