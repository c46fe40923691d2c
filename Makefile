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

.PHONY: all deps run test bench clean install uninstall
all: $(ALL_TARGETS)

# `cloak --version`: VERSION, and the commit (git describe) built from, or
# "unknown" outside a git checkout.  version.h is rewritten only when either
# changes, so main.o is rebuilt only then.
CLOAK_VERSION := $(shell cat VERSION)
CLOAK_COMMIT := $(shell [ -e .git ] && git describe --always --dirty 2>/dev/null || echo unknown)
VERSION_H := $(BUILD)/gen/version.h
$(VERSION_H): VERSION FORCE
	@mkdir -p $(@D)
	@printf '#define CLOAK_VERSION "%s"\n#define CLOAK_COMMIT "%s"\n' \
		'$(CLOAK_VERSION)' '$(CLOAK_COMMIT)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/tools/cloak/main.o: $(VERSION_H)
$(BUILD)/tools/cloak/main.o: TOOLS_CFLAGS += -I$(BUILD)/gen
.PHONY: FORCE
FORCE:

# Installs like a command-line tool: cloak in PREFIX/bin, the kernel and the
# UEFI loader in PREFIX/share/cloak, where cloak looks (<bin>/../share/cloak).
PREFIX ?= /usr/local
INSTALL_BIN := $(DESTDIR)$(PREFIX)/bin
INSTALL_SHARE := $(DESTDIR)$(PREFIX)/share/cloak
install: all
	install -d $(INSTALL_BIN) $(INSTALL_SHARE)
	install -m 755 $(BUILD)/bin/cloak $(INSTALL_BIN)/cloak
	install -m 644 $(BUILD)/share/cloak/kernel.elf $(BUILD)/share/cloak/bootx64.efi $(INSTALL_SHARE)/

uninstall:
	rm -f $(INSTALL_BIN)/cloak $(INSTALL_SHARE)/kernel.elf $(INSTALL_SHARE)/bootx64.efi
	-rmdir $(INSTALL_SHARE) 2> /dev/null

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
