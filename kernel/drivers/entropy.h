#ifndef DRIVERS_ENTROPY_H
#define DRIVERS_ENTROPY_H
#include <stdint.h>
#include <stddef.h>

/* Fills buf with hardware entropy (RDSEED, else RDRAND, else timing jitter,
 * which is logged as weak).  Returns the name of the source used. */
const char *entropy_gather(uint8_t *buf, size_t len);

/* The kernel's random generator, seeded at boot. */
void random_init(void);
void random_fill(void *buf, size_t len);
/* Mixes entropy from a device (virtio-rng) into the generator. */
void random_add_entropy(const void *buf, size_t len);

#endif
