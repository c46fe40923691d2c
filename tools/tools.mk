# The cloak command (hosted C): $(BUILD)/bin/cloak.  One folder per concept:
# tools/cloak (the command-line front end: a dispatcher and one file per
# command family), tools/config (ops JSON config), tools/elf (checks of the
# program; its interpreter and libraries: elf_dyn.c, ldcache.c, deps*.c),
# tools/sev (AMD SEV: `cloak sev check`), tools/qmp (a QMP client) and
# tools/dump (`cloak dump-check`), tools/util (small shared parsers), tools/volume (ext2 data volumes, made by
# mke2fs), tools/image (manifest, boot archive and, from
# disk_image.c/gpt.c/fat.c, the GPT disk image), tools/qemu (running it).
# At run time cloak finds its kernel and loader in <bin>/../share/cloak/.
TOOLS_CFLAGS := $(HOST_CFLAGS) -MMD -MP
# zlib: crc32 for the GPT headers (disk_image.c)
TOOLS_LIBS := -ljansson -larchive -lz
# libcurl and libcrypto: the Google Cloud client (tools/gcp)
TOOLS_LIBS += -lcurl -lcrypto

# The front end, one file per command family (tools/cloak/cli.h lists them).
CLOAK_FRONT := $(addprefix tools/cloak/,main.c help.c util.c options.c build.c contents.c \
	run.c dump_check.c volume.c sev.c accel.c network.c cloud.c image.c instance.c \
	instance_logs.c group.c)
# The modules, one list per folder where a module is split by concern
# (tests/unit/tools/unit.mk links the same files into each module's test).
CONFIG_SRCS := $(addprefix tools/config/,config.c config_settings.c config_lists.c ports.c config_net.c)
DEPS_ELF_SRCS := $(addprefix tools/elf/,deps.c deps_search.c deps_path.c)
ARCHIVE_SRCS := $(addprefix tools/image/,archive.c archive_tree.c archive_entry.c \
	archive_index.c)
# The Google Cloud client (tools/gcp/gcp.h lists its files).
GCP_SRCS := $(addprefix tools/gcp/,endpoint.c retry.c http.c jwt.c credentials.c \
	api_error.c call.c storage.c compute_body.c compute.c operation.c logging.c package.c \
	gcp_config.c template.c group.c)
QEMU_SRCS := $(addprefix tools/qemu/,qemu.c qemu_run.c qemu_outcome.c qemu_stdio.c accel.c qemu_spawn.c)
CLOAK_SRCS := $(CLOAK_FRONT) $(CONFIG_SRCS) tools/elf/elf_check.c tools/elf/elf_sym.c \
	tools/elf/elf_dyn.c tools/elf/ldcache.c $(DEPS_ELF_SRCS) tools/volume/volume.c \
	$(QEMU_SRCS) $(ARCHIVE_SRCS) tools/image/manifest_writer.c \
	tools/image/disk_image.c tools/image/gpt.c tools/image/fat.c tools/sev/sev_check.c \
	tools/qmp/qmp.c tools/dump/memdump.c tools/dump/dump_check.c tools/util/size.c $(GCP_SRCS)
CLOAK_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLOAK_SRCS))

$(BUILD)/tools/%.o: tools/%.c tools/tools.mk
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -c -o $@ $<

$(BUILD)/bin/cloak: $(CLOAK_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $^ $(TOOLS_LIBS)

-include $(CLOAK_OBJS:.o=.d)

ALL_TARGETS += $(BUILD)/bin/cloak
