# Unit tests of the disk image writer (tools/image) and mkdisk, the small
# host program the UEFI guest test and the boot benchmarks use to write a
# GPT + ESP image through disk_image_write.
IMAGE_SRC := tools/image/gpt.c tools/image/fat.c tools/image/disk_image.c
IMAGE_HDR := $(wildcard tools/image/*.h tests/unit/image/*.h)
IMAGE_UNIT_TESTS := $(BUILD)/tests/unit/image_gpt $(BUILD)/tests/unit/image_fat \
	$(BUILD)/tests/unit/image_disk

$(IMAGE_UNIT_TESTS): $(BUILD)/tests/unit/image_%: tests/unit/image/test_%.c $(IMAGE_SRC) $(IMAGE_HDR)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -Itools/image -o $@ $< $(IMAGE_SRC) $(UNIT_LIBS) -lz

$(BUILD)/tests/mkdisk: tests/unit/image/mkdisk.c $(IMAGE_SRC) $(IMAGE_HDR)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Itools/image -o $@ $< $(IMAGE_SRC) -lz

UNIT_TESTS += $(IMAGE_UNIT_TESTS)
# tests/guest/uefi-loader.test boots the floor kernel through the loader
test-programs: $(BUILD)/tests/mkdisk $(BUILD)/share/cloak/bootx64.efi $(BUILD)/bench/floor.elf
