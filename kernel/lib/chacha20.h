/* ChaCha20 (RFC 8439) block function and a generator built on it. */
#ifndef LIB_CHACHA20_H
#define LIB_CHACHA20_H
#include <stdint.h>
#include <stddef.h>

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64]);

/* A fast-key-erasure generator: every request ends by replacing the key
 * with fresh keystream, so earlier output cannot be recomputed from the
 * state. */
struct csprng {
    uint32_t key[8];
    uint64_t counter;
};
void csprng_seed(struct csprng *g, const uint8_t seed[32]);
/* Mixes more entropy into the key. */
void csprng_reseed(struct csprng *g, const uint8_t seed[32]);
void csprng_fill(struct csprng *g, void *buf, size_t len);

#endif
