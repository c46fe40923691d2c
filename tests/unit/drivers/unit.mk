# Host unit tests of the drivers' pure logic: virtqueue rings against a fake
# device (drivers/virtqueue.c), PCI and virtio capability parsing on fake
# configuration spaces (drivers/pci.c, drivers/virtio_pci.c), NVMe queues
# against a model controller, PRP lists and Identify answers
# (drivers/nvme_queue.c, drivers/nvme_identify.c), and the whole NVMe
# driver with block.c against a register-level model (test_nvme_ctrl.c,
# with stand-ins for the clock, PCI and interrupts).  Kernel
# sources are compiled with -Ikernel -Iinclude; the shims here stand in for
# the kernel heap, log and DMA interface, and libc for lib/string.c.  pci.c
# and virtio_pci.c also hold hardware code: section garbage collection drops
# it (and its references to other kernel modules) from the test programs.
DUNIT_DIR := $(BUILD)/tests/unit
DUNIT_COMMA := ,
DUNIT_CFLAGS := $(UNIT_CFLAGS) -Ikernel -Iinclude -Itests/unit/drivers
DUNIT_SHIMS := tests/unit/kernel/shim_heap.c tests/unit/kernel/shim_log.c tests/unit/drivers/shim_dma.c
DUNIT_DEPS := $(DUNIT_SHIMS) tests/unit/drivers/shim.h tests/unit/drivers/unit.mk \
	$(wildcard kernel/*/*.h kernel/arch/x86_64/*.h include/cloak/*.h)
DUNIT_GC := -ffunction-sections -fdata-sections -Wl$(DUNIT_COMMA)--gc-sections

# $(1) test name (tests/unit/drivers/test_$(1).c -> drivers_$(1)), $(2)
# kernel sources, $(3) extra compiler flags.
define DUNIT_TEST
$(DUNIT_DIR)/drivers_$(1): tests/unit/drivers/test_$(1).c $(2) $(DUNIT_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(DUNIT_CFLAGS) $(3) -o $$@ tests/unit/drivers/test_$(1).c $(2) $$(DUNIT_SHIMS) $$(UNIT_LIBS)
UNIT_TESTS += $(DUNIT_DIR)/drivers_$(1)
endef

$(eval $(call DUNIT_TEST,virtqueue,kernel/drivers/virtqueue.c))
$(eval $(call DUNIT_TEST,block,kernel/drivers/block.c tests/unit/kernel/shim_user_window.c))
$(eval $(call DUNIT_TEST,pci,kernel/drivers/pci.c kernel/drivers/virtio_pci.c,$(DUNIT_GC)))
# The gVNIC driver against a model of the device (gve_model.c; not a real
# gVNIC).  gve_mmio.c is left out: the model answers the register calls.
GVE_UNIT_SRCS := kernel/drivers/gve.c kernel/drivers/gve_adminq.c kernel/drivers/gve_tx.c \
	kernel/drivers/gve_rx.c kernel/drivers/gve_irq.c tests/unit/drivers/gve_model.c
$(eval $(call DUNIT_TEST,gve,$(GVE_UNIT_SRCS) tests/unit/drivers/gve_harness.c,$(DUNIT_GC)))
$(DUNIT_DIR)/drivers_gve: tests/unit/drivers/gve_model.h tests/unit/drivers/gve_harness.h
$(eval $(call DUNIT_TEST,gve_faults,$(GVE_UNIT_SRCS) tests/unit/drivers/gve_harness.c,$(DUNIT_GC)))
$(DUNIT_DIR)/drivers_gve_faults: tests/unit/drivers/gve_model.h tests/unit/drivers/gve_harness.h
$(eval $(call DUNIT_TEST,nvme,kernel/drivers/nvme_queue.c kernel/drivers/nvme_identify.c))
$(eval $(call DUNIT_TEST,nvme_prp,kernel/drivers/nvme_queue.c))
$(eval $(call DUNIT_TEST,nvme_ctrl,kernel/drivers/nvme.c kernel/drivers/nvme_blk.c kernel/drivers/nvme_stage.c kernel/drivers/nvme_queue.c kernel/drivers/nvme_identify.c kernel/drivers/block.c tests/unit/kernel/shim_user_window.c))
# gVNIC interrupts (notify blocks, MSI-X) against the same model.
$(eval $(call DUNIT_TEST,gve_irq,$(GVE_UNIT_SRCS),$(DUNIT_GC)))
$(DUNIT_DIR)/drivers_gve_irq: tests/unit/drivers/gve_model.h
# virtio-net's receive side (merged buffers, offload headers) against a
# fake device.
$(eval $(call DUNIT_TEST,virtio_net_rx,kernel/drivers/virtio_net_rx.c kernel/drivers/virtqueue.c,$(DUNIT_GC)))
