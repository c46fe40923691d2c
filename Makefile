# cloak: one non-recursive make for the kernel, the loader, the tool and tests.
# Each part keeps its rules in its own fragment (kernel/kernel.mk, ...).
.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD   ?= build
CC      ?= gcc
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration -Iinclude

# What `make all` produces.
ALL_TARGETS :=

include kernel/kernel.mk
include boot/boot.mk
include tools/tools.mk
include examples/examples.mk
include tests/tests.mk
include bench/bench.mk

.PHONY: all deps run test bench clean
all: $(ALL_TARGETS)

# Install the Debian packages the project needs (only those missing).
deps:
	@scripts/install-deps.sh

# run, test and bench build quietly (`make V=1 ...` shows every command).
QUIET := $(if $(V),,-s)

run: deps
	@echo "cloak: building the kernel, the UEFI loader, the cloak command and the example"
	@$(MAKE) $(QUIET) --no-print-directory all
	@echo "cloak: running $(BUILD)/bin/cloak run examples/luggage/luggage 12345"
	@$(BUILD)/bin/cloak run examples/luggage/luggage 12345

test: deps
	@echo "cloak: building everything and the test programs"
	@$(MAKE) $(QUIET) --no-print-directory all test-programs
	@tests/run.sh

bench: deps
	@$(MAKE) $(QUIET) --no-print-directory all bench-programs
	@bench/run.sh

clean:
	rm -rf $(BUILD) $(CLEAN_EXTRA)
