# Example programs (built for the guest: static Linux x86-64 executables).
# The README runs `cloak run examples/luggage/luggage 12345`, so the luggage
# program is built next to its source.
EXAMPLE_CC ?= gcc
EXAMPLE_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -static

examples/luggage/luggage: examples/luggage/luggage.c examples/examples.mk
	$(EXAMPLE_CC) $(EXAMPLE_CFLAGS) -o $@ $<

ALL_TARGETS += examples/luggage/luggage
CLEAN_EXTRA += examples/luggage/luggage
