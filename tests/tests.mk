# Tests.  Unit tests are cmocka programs built for the host from
# tests/unit/<area>/test_*.c; each area's fragment (tests/unit/<area>/unit.mk)
# appends its binaries to UNIT_TESTS.  Guest test programs are appended to
# GUEST_PROGRAMS by tests/guest/guest.mk.
UNIT_TESTS :=
GUEST_PROGRAMS :=
UNIT_CFLAGS := $(HOST_CFLAGS) -O0 -fsanitize=address,undefined -fno-omit-frame-pointer
UNIT_LIBS := -lcmocka

-include $(wildcard tests/unit/*/unit.mk)
-include $(wildcard tests/guest/*.mk)
-include tests/sev/sev.mk

.PHONY: test-programs
test-programs: $(UNIT_TESTS) $(GUEST_PROGRAMS)
