#include "lib/chacha20.h"
#include "lib/string.h"

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d) \
    a += b; d ^= a; d = ROTL(d, 16); \
    c += d; b ^= c; b = ROTL(b, 12); \
    a += b; d ^= a; d = ROTL(d, 8);  \
    c += d; b ^= c; b = ROTL(b, 7)

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64])
{
    uint32_t s[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
                       key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
                       counter, nonce[0], nonce[1], nonce[2] };
    uint32_t x[16];
    memcpy(x, s, sizeof(x));
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + s[i];
        out[i * 4 + 0] = (uint8_t)v;
        out[i * 4 + 1] = (uint8_t)(v >> 8);
        out[i * 4 + 2] = (uint8_t)(v >> 16);
        out[i * 4 + 3] = (uint8_t)(v >> 24);
    }
}

static void next_block(struct csprng *g, uint8_t out[64])
{
    uint32_t nonce[3] = { (uint32_t)(g->counter >> 32), 0, 0 };
    chacha20_block(g->key, (uint32_t)g->counter, nonce, out);
    g->counter++;
}

void csprng_seed(struct csprng *g, const uint8_t seed[32])
{
    memcpy(g->key, seed, 32);
    g->counter = 0;
}

void csprng_reseed(struct csprng *g, const uint8_t seed[32])
{
    uint8_t block[64];
    next_block(g, block);
    for (int i = 0; i < 32; i++)
        block[i] ^= seed[i];
    memcpy(g->key, block, 32);
    memset(block, 0, sizeof(block));
}

void csprng_fill(struct csprng *g, void *buf, size_t len)
{
    uint8_t block[64];
    uint8_t *out = buf;
    while (len) {
        next_block(g, block);
        size_t n = len < 64 ? len : 64;
        memcpy(out, block, n);
        out += n;
        len -= n;
    }
    next_block(g, block);
    memcpy(g->key, block, 32);       /* key erasure */
    memset(block, 0, sizeof(block));
}
