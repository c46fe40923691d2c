/* lib/chacha20.c: the block function against RFC 8439, and the generator
 * built on it (deterministic from its seed, fast key erasure). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/chacha20.h"

/* Key and nonce bytes are read as little-endian 32-bit words (RFC 8439
 * section 2.3). */
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RFC 8439, section 2.3.2 "Test Vector for the ChaCha20 Block Function":
 * key 00:01:02:...:1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block
 * count 1; the serialized block below.
 * https://www.rfc-editor.org/rfc/rfc8439#section-2.3.2 */
static void test_rfc8439_2_3_2(void **state)
{
    (void)state;
    uint8_t keyb[32];
    for (int i = 0; i < 32; i++)
        keyb[i] = (uint8_t)i;
    static const uint8_t nonceb[12] = { 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t expected[64] = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
        0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
        0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
        0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
    };
    uint32_t key[8], nonce[3];
    for (int i = 0; i < 8; i++)
        key[i] = le32(keyb + 4 * i);
    for (int i = 0; i < 3; i++)
        nonce[i] = le32(nonceb + 4 * i);
    assert_int_equal(key[0], 0x03020100);
    assert_int_equal(nonce[0], 0x09000000);
    uint8_t out[64];
    chacha20_block(key, 1, nonce, out);
    assert_memory_equal(out, expected, 64);
}

/* RFC 8439, appendix A.1, test vector #1: all-zero key and nonce, block
 * counter 0. */
static void test_rfc8439_a1_vector1(void **state)
{
    (void)state;
    static const uint8_t expected[64] = {
        0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28,
        0xbd, 0xd2, 0x19, 0xb8, 0xa0, 0x8d, 0xed, 0x1a, 0xa8, 0x36, 0xef, 0xcc, 0x8b, 0x77, 0x0d, 0xc7,
        0xda, 0x41, 0x59, 0x7c, 0x51, 0x57, 0x48, 0x8d, 0x77, 0x24, 0xe0, 0x3f, 0xb8, 0xd8, 0x4a, 0x37,
        0x6a, 0x43, 0xb8, 0xf4, 0x15, 0x18, 0xa1, 0x1c, 0xc3, 0x87, 0xb6, 0x69, 0xb2, 0xee, 0x65, 0x86,
    };
    uint32_t key[8] = { 0 }, nonce[3] = { 0 };
    uint8_t out[64];
    chacha20_block(key, 0, nonce, out);
    assert_memory_equal(out, expected, 64);
}

static void seed_bytes(uint8_t seed[32], uint8_t base)
{
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(base + i * 7);
}

static void test_csprng_deterministic(void **state)
{
    (void)state;
    uint8_t seed[32];
    seed_bytes(seed, 1);
    struct csprng g1, g2;
    csprng_seed(&g1, seed);
    csprng_seed(&g2, seed);
    uint8_t a[200], b[200];
    /* Same seed, same requests: same bytes, request after request. */
    static const size_t lens[] = { 1, 63, 64, 65, 200, 0, 17 };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        memset(a, 0, sizeof(a));
        memset(b, 0xff, sizeof(b));
        csprng_fill(&g1, a, lens[i]);
        csprng_fill(&g2, b, lens[i]);
        assert_memory_equal(a, b, lens[i]);
    }
    /* The first request from a fresh seed is the ChaCha20 keystream with
     * the seed as key, counter 0, nonce 0. */
    csprng_seed(&g1, seed);
    csprng_fill(&g1, a, 128);
    uint32_t key[8], nonce[3] = { 0 };
    for (int i = 0; i < 8; i++)
        key[i] = le32(seed + 4 * i);
    uint8_t blk[64];
    chacha20_block(key, 0, nonce, blk);
    assert_memory_equal(a, blk, 64);
    chacha20_block(key, 1, nonce, blk);
    assert_memory_equal(a + 64, blk, 64);
    /* A different seed gives different bytes. */
    seed_bytes(seed, 2);
    csprng_seed(&g2, seed);
    csprng_fill(&g2, b, 128);
    assert_memory_not_equal(a, b, 128);
}

static void test_csprng_consecutive_fills_differ(void **state)
{
    (void)state;
    uint8_t seed[32];
    seed_bytes(seed, 9);
    struct csprng g;
    csprng_seed(&g, seed);
    uint8_t a[64], b[64], c[64];
    csprng_fill(&g, a, 64);
    csprng_fill(&g, b, 64);
    assert_memory_not_equal(a, b, 64);
    /* Key erasure: the key has moved on from the seed, and the next bytes
     * are not the continuation of the old keystream. */
    uint32_t old_key[8], nonce[3] = { 0 };
    for (int i = 0; i < 8; i++)
        old_key[i] = le32(seed + 4 * i);
    assert_memory_not_equal(g.key, old_key, 32);
    uint8_t cont[64];
    chacha20_block(old_key, 1, nonce, cont);
    assert_memory_not_equal(b, cont, 64);
    /* Even an empty request moves the state on. */
    struct csprng h = g;
    csprng_fill(&g, c, 0);
    csprng_fill(&g, c, 64);
    uint8_t d[64];
    csprng_fill(&h, d, 64);
    assert_memory_not_equal(c, d, 64);
}

static void test_csprng_reseed(void **state)
{
    (void)state;
    uint8_t seed[32], more[32];
    seed_bytes(seed, 3);
    seed_bytes(more, 4);
    struct csprng g1, g2, g3;
    csprng_seed(&g1, seed);
    csprng_seed(&g2, seed);
    csprng_seed(&g3, seed);
    csprng_reseed(&g1, more);
    csprng_reseed(&g3, more);
    uint8_t a[64], b[64], c[64];
    csprng_fill(&g1, a, 64);
    csprng_fill(&g2, b, 64);
    csprng_fill(&g3, c, 64);
    assert_memory_not_equal(a, b, 64);     /* reseeding changes the stream */
    assert_memory_equal(a, c, 64);         /* deterministically */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8439_2_3_2),
        cmocka_unit_test(test_rfc8439_a1_vector1),
        cmocka_unit_test(test_csprng_deterministic),
        cmocka_unit_test(test_csprng_consecutive_fills_differ),
        cmocka_unit_test(test_csprng_reseed),
    };
    return cmocka_run_group_tests_name("chacha20", tests, NULL, NULL);
}
