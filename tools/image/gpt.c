/* GPT writer: see gpt.h.  CRC32 is zlib's (the same polynomial and
 * conditioning the UEFI spec asks for). */
#include "gpt.h"

#include <string.h>
#include <zlib.h>

const gpt_guid GPT_TYPE_ESP = {{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                                0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}};

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int gpt_guid_parse(const char *t, gpt_guid *out) {
    /* text order of the 16 bytes, and where each lands on disk */
    static const int place[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    if (strlen(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-')
        return -1;
    int k = 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            continue;
        int hi = hexval(t[i]), lo = hexval(t[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out->b[place[k++]] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    return 0;
}

static uint32_t crc(const uint8_t *p, size_t n) {
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

static void header(uint8_t *h, uint64_t my_lba, uint64_t alt_lba, uint64_t array_lba,
                   uint64_t disk_sectors, const gpt_guid *disk_guid, uint32_t array_crc) {
    memset(h, 0, GPT_SECTOR);
    memcpy(h, "EFI PART", 8);
    put_le32(h + 8, 0x00010000);          /* revision 1.0 */
    put_le32(h + 12, GPT_HEADER_SIZE);
    put_le64(h + 24, my_lba);
    put_le64(h + 32, alt_lba);
    put_le64(h + 40, GPT_FIRST_USABLE);
    put_le64(h + 48, disk_sectors - 2 - GPT_ARRAY_SECTORS);
    memcpy(h + 56, disk_guid->b, 16);
    put_le64(h + 72, array_lba);
    put_le32(h + 80, GPT_ENTRIES);
    put_le32(h + 84, GPT_ENTRY_SIZE);
    put_le32(h + 88, array_crc);
    put_le32(h + 16, crc(h, GPT_HEADER_SIZE)); /* computed with this field 0 */
}

int gpt_build(struct gpt_disk *d, uint64_t disk_sectors, const gpt_guid *disk_guid,
              const struct gpt_partition *parts, unsigned nparts) {
    if (disk_sectors < 2 * GPT_FIRST_USABLE + 1 || nparts > GPT_ENTRIES)
        return -1;
    uint64_t last_usable = disk_sectors - 2 - GPT_ARRAY_SECTORS;
    memset(d, 0, sizeof *d);

    for (unsigned i = 0; i < nparts; i++) {
        const struct gpt_partition *p = &parts[i];
        if (p->first_lba < GPT_FIRST_USABLE || p->last_lba > last_usable ||
            p->first_lba > p->last_lba)
            return -1;
        uint8_t *e = d->array + i * GPT_ENTRY_SIZE;
        memcpy(e, p->type.b, 16);
        memcpy(e + 16, p->unique.b, 16);
        put_le64(e + 32, p->first_lba);
        put_le64(e + 40, p->last_lba);
        put_le64(e + 48, p->attributes);
        for (int c = 0; p->name && p->name[c] && c < 36; c++)
            put_le16(e + 56 + 2 * c, (uint8_t)p->name[c]);
    }
    uint32_t array_crc = crc(d->array, sizeof d->array);

    d->backup_lba = disk_sectors - 1;
    d->backup_array_lba = disk_sectors - 1 - GPT_ARRAY_SECTORS;
    header(d->primary, 1, d->backup_lba, 2, disk_sectors, disk_guid, array_crc);
    header(d->backup, d->backup_lba, 1, d->backup_array_lba, disk_sectors, disk_guid, array_crc);

    /* Protective MBR: one partition of type 0xEE covering the disk from
     * LBA 1 (size capped at 2^32-1). */
    uint8_t *pe = d->mbr + 446;
    pe[0] = 0x00;                          /* not bootable */
    pe[1] = 0x00; pe[2] = 0x02; pe[3] = 0x00; /* CHS of LBA 1 */
    pe[4] = 0xee;
    pe[5] = 0xff; pe[6] = 0xff; pe[7] = 0xff;
    put_le32(pe + 8, 1);
    uint64_t n = disk_sectors - 1;
    put_le32(pe + 12, n > 0xffffffffu ? 0xffffffffu : (uint32_t)n);
    d->mbr[510] = 0x55;
    d->mbr[511] = 0xaa;
    return 0;
}
