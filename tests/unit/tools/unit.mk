# Unit tests of the cloak command's modules (tools/), built for the host with
# the sanitizers of UNIT_CFLAGS.  Each test links the one module it tests.
TOOLS_UNIT_DIR := $(BUILD)/tests/unit

CONFIG_UNIT_SRCS := tools/config/config.c tools/config/config_settings.c \
	tools/config/config_lists.c tools/config/ports.c tools/util/size.c \
	tools/config/config_net.c
$(TOOLS_UNIT_DIR)/tools_config: tests/unit/tools/test_config.c $(CONFIG_UNIT_SRCS) \
		tools/config/config.h tools/config/config_lists.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_config.c $(CONFIG_UNIT_SRCS) \
		$(UNIT_LIBS) -ljansson

$(TOOLS_UNIT_DIR)/tools_ports: tests/unit/tools/test_ports.c tools/config/ports.c \
		tools/config/ports.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_ports.c tools/config/ports.c $(UNIT_LIBS)

$(TOOLS_UNIT_DIR)/tools_manifest: tests/unit/tools/test_manifest.c tools/image/manifest_writer.c \
		tools/image/manifest_writer.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_manifest.c tools/image/manifest_writer.c \
		$(UNIT_LIBS)

$(TOOLS_UNIT_DIR)/tools_elf_check: tests/unit/tools/test_elf_check.c tools/elf/elf_check.c \
		tools/elf/elf_check.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_elf_check.c tools/elf/elf_check.c \
		$(UNIT_LIBS)

ARCHIVE_UNIT_SRCS := tools/image/archive.c tools/image/archive_tree.c \
	tools/image/archive_entry.c tools/image/archive_index.c
$(TOOLS_UNIT_DIR)/tools_archive: tests/unit/tools/test_archive.c $(ARCHIVE_UNIT_SRCS) \
		tools/image/archive.h tools/image/archive_internal.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_archive.c $(ARCHIVE_UNIT_SRCS) \
		$(UNIT_LIBS) -larchive

QEMU_UNIT_SRCS := tools/qemu/qemu.c tools/qemu/qemu_run.c tools/qemu/qemu_outcome.c tools/qemu/qemu_stdio.c \
		tools/qemu/qemu_spawn.c
$(TOOLS_UNIT_DIR)/tools_qemu: tests/unit/tools/test_qemu.c $(QEMU_UNIT_SRCS) \
		tools/qemu/qemu.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_qemu.c $(QEMU_UNIT_SRCS) $(UNIT_LIBS)

ACCEL_UNIT_SRCS := tools/qemu/accel.c $(QEMU_UNIT_SRCS)
$(TOOLS_UNIT_DIR)/tools_accel: tests/unit/tools/test_accel.c $(ACCEL_UNIT_SRCS) \
		tools/qemu/accel.h tools/qemu/qemu.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_accel.c $(ACCEL_UNIT_SRCS) $(UNIT_LIBS)

DEPS_SRCS := tools/elf/deps.c tools/elf/deps_search.c tools/elf/deps_path.c tools/elf/elf_dyn.c tools/elf/elf_check.c tools/elf/ldcache.c
$(TOOLS_UNIT_DIR)/tools_deps: tests/unit/tools/test_deps.c $(DEPS_SRCS) tools/elf/deps.h \
		tools/elf/elf_dyn.h tools/elf/ldcache.h tools/elf/deps_internal.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_deps.c $(DEPS_SRCS) $(UNIT_LIBS)

$(TOOLS_UNIT_DIR)/tools_elf_sym: tests/unit/tools/test_elf_sym.c tools/elf/elf_sym.c \
		tools/elf/elf_check.c tools/elf/elf_sym.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_elf_sym.c tools/elf/elf_sym.c \
		tools/elf/elf_check.c $(UNIT_LIBS)

$(TOOLS_UNIT_DIR)/tools_volume: tests/unit/tools/test_volume.c tools/volume/volume.c \
		tools/util/size.c tools/volume/volume.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_volume.c tools/volume/volume.c \
		tools/util/size.c $(UNIT_LIBS)

$(TOOLS_UNIT_DIR)/tools_sev_check: tests/unit/tools/test_sev_check.c tools/sev/sev_check.c \
		tools/sev/sev_check.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_sev_check.c tools/sev/sev_check.c \
		$(UNIT_LIBS)

MEMDUMP_SRCS := tools/dump/memdump.c tools/qmp/qmp.c
$(TOOLS_UNIT_DIR)/tools_memdump: tests/unit/tools/test_memdump.c $(MEMDUMP_SRCS) \
		tools/dump/memdump.h tools/qmp/qmp.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_memdump.c $(MEMDUMP_SRCS) $(UNIT_LIBS) \
		-ljansson

UNIT_TESTS += $(TOOLS_UNIT_DIR)/tools_sev_check $(TOOLS_UNIT_DIR)/tools_memdump
UNIT_TESTS += $(TOOLS_UNIT_DIR)/tools_accel $(TOOLS_UNIT_DIR)/tools_ports
UNIT_TESTS += $(TOOLS_UNIT_DIR)/tools_deps $(TOOLS_UNIT_DIR)/tools_volume
UNIT_TESTS += $(TOOLS_UNIT_DIR)/tools_elf_sym
UNIT_TESTS += $(TOOLS_UNIT_DIR)/tools_config $(TOOLS_UNIT_DIR)/tools_manifest \
	$(TOOLS_UNIT_DIR)/tools_elf_check $(TOOLS_UNIT_DIR)/tools_archive \
	$(TOOLS_UNIT_DIR)/tools_qemu

# The Google Cloud client (tools/gcp): the JWT, the retry policy on a fake
# clock, the request bodies and error messages.
$(TOOLS_UNIT_DIR)/tools_gcp_jwt: tests/unit/tools/test_gcp_jwt.c tools/gcp/jwt.c \
		tools/gcp/jwt.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_gcp_jwt.c tools/gcp/jwt.c $(UNIT_LIBS) \
		-ljansson -lcrypto

$(TOOLS_UNIT_DIR)/tools_gcp_retry: tests/unit/tools/test_gcp_retry.c tools/gcp/retry.c \
		tools/gcp/retry.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_gcp_retry.c tools/gcp/retry.c $(UNIT_LIBS)

GCP_REQUEST_UNIT_SRCS := tools/gcp/compute_body.c tools/gcp/endpoint.c tools/gcp/api_error.c \
	tools/gcp/retry.c
$(TOOLS_UNIT_DIR)/tools_gcp_request: tests/unit/tools/test_gcp_request.c \
		$(GCP_REQUEST_UNIT_SRCS) tools/gcp/compute_body.h tools/gcp/gcp.h \
		tools/gcp/api_error.h tests/unit/tools/unit.mk
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/tools/test_gcp_request.c $(GCP_REQUEST_UNIT_SRCS) \
		$(UNIT_LIBS) -ljansson

UNIT_TESTS += $(TOOLS_UNIT_DIR)/tools_gcp_jwt $(TOOLS_UNIT_DIR)/tools_gcp_retry \
	$(TOOLS_UNIT_DIR)/tools_gcp_request
