#include "fs/cpio.h"
#include "lib/string.h"

#define HEADER_LEN 110

static int hex8(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = (v << 4) | d;
    }
    *out = v;
    return 0;
}

static uint64_t align4(uint64_t x)
{
    return (x + 3) & ~3ull;
}

int cpio_next(const uint8_t *a, uint64_t size, uint64_t *offset, struct cpio_entry *e, const char **error)
{
    uint64_t off = *offset;
    if (off > size || size - off < HEADER_LEN) {
        *error = "archive ends without a TRAILER!!! entry";
        return -1;
    }
    const uint8_t *h = a + off;
    if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6)) {
        *error = "bad cpio magic (not a newc archive)";
        return -1;
    }
    uint32_t f[13];
    for (int i = 0; i < 13; i++) {
        if (hex8(h + 6 + i * 8, &f[i]) < 0) {
            *error = "cpio header field is not hexadecimal";
            return -1;
        }
    }
    /* fields: ino mode uid gid nlink mtime filesize devmajor devminor
     * rdevmajor rdevminor namesize check */
    uint32_t namesize = f[11];
    uint64_t filesize = f[6];
    if (namesize == 0 || namesize > 4096) {
        *error = "cpio entry name size is zero or too long";
        return -1;
    }
    uint64_t name_off = off + HEADER_LEN;
    if (namesize > size - name_off) {
        *error = "cpio entry name runs past the end of the archive";
        return -1;
    }
    if (a[name_off + namesize - 1] != 0) {
        *error = "cpio entry name is not NUL-terminated";
        return -1;
    }
    uint64_t data_off = align4(name_off + namesize);
    if (data_off > size || filesize > size - data_off) {
        *error = "cpio entry data runs past the end of the archive";
        return -1;
    }
    e->name = (const char *)a + name_off;
    e->name_len = namesize - 1;
    e->mode = f[1];
    e->uid = f[2];
    e->gid = f[3];
    e->mtime = f[5];
    e->data = a + data_off;
    e->size = filesize;
    *offset = align4(data_off + filesize);
    if (e->name_len == 10 && !memcmp(e->name, "TRAILER!!!", 10))
        return 0;
    return 1;
}
