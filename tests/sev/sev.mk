# The SEV simulation test's traffic program (static glibc), run by
# tests/guest/sev-sim.test; that script builds it itself when this fragment
# is not included (tests/tests.mk includes tests/guest/*.mk and tests/unit/*/unit.mk).
SEV_GUEST_PROGS := $(BUILD)/tests/sev/sevload
$(SEV_GUEST_PROGS): $(BUILD)/tests/sev/%: tests/sev/%.c tests/sev/sev.mk
	@mkdir -p $(@D)
	$(GUEST_GCC) -std=gnu11 -O2 -Wall -Wextra -static -o $@ $<
GUEST_PROGRAMS += $(SEV_GUEST_PROGS)
