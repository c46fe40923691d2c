# The SEV simulation test's traffic program (static glibc), run by
# tests/guest/sev-sim.test (tests/tests.mk includes this fragment; the
# script builds it itself when the built one is missing or stale).
SEV_GUEST_PROGS := $(BUILD)/tests/sev/sevload
$(SEV_GUEST_PROGS): $(BUILD)/tests/sev/%: tests/sev/%.c tests/sev/sev.mk
	@mkdir -p $(@D)
	$(GUEST_GCC) -std=gnu11 -O2 -Wall -Wextra -static -o $@ $<
GUEST_PROGRAMS += $(SEV_GUEST_PROGS)
