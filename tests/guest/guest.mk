# Guest test programs: every tests/guest/progs/NAME.c is built twice, as a
# static glibc program (gcc) and as a static musl program (musl-gcc):
#   $(BUILD)/tests/guest/gcc/NAME   $(BUILD)/tests/guest/musl/NAME
# The tests/guest/*.test scripts run them under `cloak run`.
GUEST_GCC ?= gcc
GUEST_MUSL_CC ?= musl-gcc
GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -static -pthread

GUEST_PROG_NAMES := $(sort $(basename $(notdir $(wildcard tests/guest/progs/*.c))))
GUEST_GCC_PROGS := $(addprefix $(BUILD)/tests/guest/gcc/,$(GUEST_PROG_NAMES))
GUEST_MUSL_PROGS := $(addprefix $(BUILD)/tests/guest/musl/,$(GUEST_PROG_NAMES))

$(GUEST_GCC_PROGS): $(BUILD)/tests/guest/gcc/%: tests/guest/progs/%.c tests/guest/guest.mk
	@mkdir -p $(@D)
	$(GUEST_GCC) $(GUEST_CFLAGS) -o $@ $<

$(GUEST_MUSL_PROGS): $(BUILD)/tests/guest/musl/%: tests/guest/progs/%.c tests/guest/guest.mk
	@mkdir -p $(@D)
	$(GUEST_MUSL_CC) $(GUEST_CFLAGS) -o $@ $<

GUEST_PROGRAMS += $(GUEST_GCC_PROGS) $(GUEST_MUSL_PROGS)

# netinfo calls getaddrinfo: ld warns that static glibc loads NSS modules at
# run time, but glibc >= 2.34 has "files" and "dns" built in, the only ones
# the nsswitch.conf cloak writes names (net-dns.test shows it resolving).
$(BUILD)/tests/guest/gcc/netinfo: GUEST_CFLAGS += -Wl,--no-warnings

# Static PIE (glibc; Debian's musl-gcc wrapper cannot link static-pie): the
# kernel must load ET_DYN programs at a base and relocate nothing itself.
GUEST_PIE_PROGS := $(BUILD)/tests/guest/gcc-pie/args_env_auxv
$(BUILD)/tests/guest/gcc-pie/%: tests/guest/progs/%.c tests/guest/guest.mk
	@mkdir -p $(@D)
	$(GUEST_GCC) -std=gnu11 -O2 -Wall -Wextra -static-pie -fPIE -o $@ $<
GUEST_PROGRAMS += $(GUEST_PIE_PROGS)
