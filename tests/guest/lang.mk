# Threaded programs in Go, Rust and C++ (tests/guest/lang/), built as users
# build them, statically: go.test, rust.test and cxx.test run them.
#   $(BUILD)/tests/guest/lang/go-threads     Go (CGO_ENABLED=0), off-line
#   $(BUILD)/tests/guest/lang/rust-threads   rustc, static glibc (crt-static)
#   $(BUILD)/tests/guest/lang/cxx-threads    g++, static glibc
#   ...-dyn                                   rustc's and g++'s defaults:
#                                             PIE, glibc and libstdc++ shared
# The compilers are Debian's (scripts/install-deps.sh): go and rustc are
# looked for at these paths, not in PATH (a rustup toolchain in ~/.cargo
# would otherwise come first).  Where one is missing its program is not
# built and its test says so as a skip.
GUEST_GO ?= /usr/bin/go
GUEST_RUSTC ?= /usr/bin/rustc
GUEST_CXX ?= g++
LANG_OUT := $(BUILD)/tests/guest/lang

# No network: no module is downloaded (GOPROXY=off, GOFLAGS=-mod=mod) and
# the build cache is ours, under build/.
$(LANG_OUT)/go-threads: tests/guest/lang/threads.go tests/guest/lang.mk
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
	    GOCACHE=$(abspath $(LANG_OUT))/go-cache GOPATH=$(abspath $(LANG_OUT))/gopath \
	    $(GUEST_GO) build -trimpath -o $(abspath $@) $(<F)

# net-servers.test's net/http server, built the same way.
$(LANG_OUT)/go-httpserver: tests/guest/lang/httpserver.go tests/guest/lang.mk
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
	    GOCACHE=$(abspath $(LANG_OUT))/go-cache GOPATH=$(abspath $(LANG_OUT))/gopath \
	    $(GUEST_GO) build -trimpath -o $(abspath $@) $(<F)

$(LANG_OUT)/rust-threads: tests/guest/lang/threads.rs tests/guest/lang.mk
	@mkdir -p $(@D)
	$(GUEST_RUSTC) --edition 2021 -O -C strip=debuginfo -C target-feature=+crt-static -o $@ $<

$(LANG_OUT)/rust-threads-dyn: tests/guest/lang/threads.rs tests/guest/lang.mk
	@mkdir -p $(@D)
	$(GUEST_RUSTC) --edition 2021 -O -C strip=debuginfo -o $@ $<

$(LANG_OUT)/cxx-threads: tests/guest/lang/threads.cpp tests/guest/lang.mk
	@mkdir -p $(@D)
	$(GUEST_CXX) -std=c++17 -O2 -Wall -Wextra -static -pthread -o $@ $<

$(LANG_OUT)/cxx-threads-dyn: tests/guest/lang/threads.cpp tests/guest/lang.mk
	@mkdir -p $(@D)
	$(GUEST_CXX) -std=c++17 -O2 -Wall -Wextra -pthread -o $@ $<

GUEST_PROGRAMS += $(LANG_OUT)/cxx-threads $(LANG_OUT)/cxx-threads-dyn
ifneq ($(wildcard $(GUEST_GO)),)
GUEST_PROGRAMS += $(LANG_OUT)/go-threads $(LANG_OUT)/go-httpserver
endif
ifneq ($(wildcard $(GUEST_RUSTC)),)
GUEST_PROGRAMS += $(LANG_OUT)/rust-threads $(LANG_OUT)/rust-threads-dyn
endif
