/* gVNIC register access: BAR0 registers and BAR2 doorbells, all big-endian.
 * Kept apart so the host tests can put the device model behind the same
 * four functions. */
#include "drivers/gve_dev.h"

uint32_t gve_reg_read32(struct gve *g, unsigned off)
{
    return __builtin_bswap32(*(volatile uint32_t *)((volatile uint8_t *)g->bar0 + off));
}

void gve_reg_write32(struct gve *g, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)((volatile uint8_t *)g->bar0 + off) = __builtin_bswap32(v);
}

void gve_reg_write16(struct gve *g, unsigned off, uint16_t v)
{
    *(volatile uint16_t *)((volatile uint8_t *)g->bar0 + off) = __builtin_bswap16(v);
}

void gve_doorbell_write(struct gve *g, uint32_t index, uint32_t v)
{
    gve_fence();                  /* descriptors and slots before the doorbell */
    *(volatile uint32_t *)((volatile uint8_t *)g->bar2 + 4ull * index) = __builtin_bswap32(v);
}
