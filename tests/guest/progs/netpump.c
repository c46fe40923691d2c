/* A dual-stack TCP server for large transfers checked end to end:
 *   netpump PORT N   listens on [::]:PORT (IPv4 too, as ::ffff:a.b.c.d),
 *                    prints "ready", serves N connections one at a time,
 *                    each printing "peer ADDR MODE BYTES", then exits 0.
 * The first byte of a connection says what it wants:
 *   'S'  sink: reads to the end, answers the SHA-256 of what it read (32
 *        bytes): the client compares it with its own;
 *   'G'  source: reads an 8-byte little-endian count, writes that many
 *        bytes (a xorshift stream), then their SHA-256, and closes;
 *   'E'  echo: writes back every byte read, to the end. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct sha256 { uint32_t h[8]; uint8_t buf[64]; uint64_t len; };

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct sha256 *s, const uint8_t *p)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++)
        w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7] +
               (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
    memcpy(v, s->h, sizeof(v));
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
        uint32_t t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof(uint32_t));
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        s->h[i] += v[i];
}

static void sha_init(struct sha256 *s)
{
    static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, h0, sizeof(h0));
    s->len = 0;
}

static void sha_update(struct sha256 *s, const uint8_t *p, size_t n)
{
    while (n) {
        size_t at = s->len % 64, take = 64 - at < n ? 64 - at : n;
        memcpy(s->buf + at, p, take);
        s->len += take;
        p += take;
        n -= take;
        if (s->len % 64 == 0)
            sha_block(s, s->buf);
    }
}

static void sha_final(struct sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->len * 8;
    uint8_t pad = 0x80, zero = 0, len[8];
    sha_update(s, &pad, 1);
    while (s->len % 64 != 56)
        sha_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha_update(s, len, 8);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static uint8_t buf[1 << 16];

static int write_all(int fd, const void *p, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const char *)p + off, n - off);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

static uint64_t serve(int c, char mode)
{
    struct sha256 s;
    uint8_t digest[32];
    uint64_t total = 0;
    ssize_t n;
    sha_init(&s);
    if (mode == 'S' || mode == 'E') {
        while ((n = read(c, buf, sizeof(buf))) > 0) {
            total += (uint64_t)n;
            if (mode == 'S')
                sha_update(&s, buf, (size_t)n);
            else if (write_all(c, buf, (size_t)n))
                break;
        }
        if (mode == 'S') {
            sha_final(&s, digest);
            write_all(c, digest, 32);
        }
    } else if (mode == 'G') {
        uint64_t want = 0, x = 0x9e3779b97f4a7c15ull;
        for (size_t got = 0; got < 8; got += (size_t)n)
            if ((n = read(c, (char *)&want + got, 8 - got)) <= 0)
                return 0;
        while (total < want) {
            size_t chunk = want - total < sizeof(buf) ? (size_t)(want - total) : sizeof(buf);
            for (size_t i = 0; i < chunk; i += 8) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                memcpy(buf + i, &x, chunk - i < 8 ? chunk - i : 8);
            }
            sha_update(&s, buf, chunk);
            if (write_all(c, buf, chunk))
                return total;
            total += chunk;
        }
        sha_final(&s, digest);
        write_all(c, digest, 32);
    }
    return total;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: netpump PORT N\n");
        return 2;
    }
    int l = socket(AF_INET6, SOCK_STREAM, 0), one = 1, zero = 0;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(argv[1])) };
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 8) != 0) {
        perror("bind/listen");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < atoi(argv[2]); i++) {
        struct sockaddr_in6 peer;
        socklen_t plen = sizeof(peer);
        char text[INET6_ADDRSTRLEN] = "?", mode = 0;
        int c = accept(l, (struct sockaddr *)&peer, &plen);
        if (c < 0) {
            perror("accept");
            return 1;
        }
        inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof(text));
        uint64_t n = read(c, &mode, 1) == 1 ? serve(c, mode) : 0;
        printf("peer %s %c %llu\n", text, mode ? mode : '-', (unsigned long long)n);
        fflush(stdout);
        close(c);
    }
    return 0;
}
