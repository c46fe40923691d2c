/* A small, independent FAT reader for the tests: parses the BPB, walks
 * directories (long names included) and follows cluster chains. */
#ifndef FATREAD_H
#define FATREAD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct fr {
    const uint8_t *v;
    uint64_t size;
    int bits;
    uint32_t spc, csize, reserved, fat_sectors, root_entries, root_cluster, clusters;
    uint64_t total, root_start, data_start;
};

struct fr_entry {
    char name[256];      /* long name if any, else the 8.3 name as NAME.EXT */
    uint8_t sfn[11];
    uint8_t attr;
    uint32_t cluster, size;
    int lfn_ok;          /* long-name checksum matched (or no long name) */
};

static inline uint16_t fr16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t fr32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* 0, or -1 when the boot sector is not a sane FAT16/FAT32 one. */
static inline int fr_open(struct fr *f, const uint8_t *v, uint64_t size) {
    memset(f, 0, sizeof *f);
    f->v = v;
    f->size = size;
    if (size < 512 || v[510] != 0x55 || v[511] != 0xaa || fr16(v + 11) != 512 || v[16] != 2)
        return -1;
    f->spc = v[13];
    f->csize = f->spc * 512;
    f->reserved = fr16(v + 14);
    f->root_entries = fr16(v + 17);
    f->total = fr16(v + 19) ? fr16(v + 19) : fr32(v + 32);
    f->fat_sectors = fr16(v + 22) ? fr16(v + 22) : fr32(v + 36);
    uint64_t root_sectors = (f->root_entries * 32u + 511) / 512;
    f->root_start = f->reserved + 2ull * f->fat_sectors;
    f->data_start = f->root_start + root_sectors;
    if (f->spc == 0 || f->total * 512 > size || f->data_start >= f->total)
        return -1;
    f->clusters = (uint32_t)((f->total - f->data_start) / f->spc);
    /* the FAT type follows from the cluster count alone */
    f->bits = f->clusters < 4085 ? 12 : f->clusters < 65525 ? 16 : 32;
    if (f->bits == 12)
        return -1;
    if (f->bits == 32)
        f->root_cluster = fr32(v + 44);
    return 0;
}

static inline uint32_t fr_next(const struct fr *f, uint32_t c) {
    const uint8_t *fat = f->v + (uint64_t)f->reserved * 512;
    return f->bits == 16 ? fr16(fat + 2 * c) : fr32(fat + 4 * c) & 0x0fffffff;
}

static inline int fr_eoc(const struct fr *f, uint32_t c) {
    return f->bits == 16 ? c >= 0xfff8 : c >= 0x0ffffff8;
}

/* Reads a cluster chain (malloc'd); *len gets the bytes read.  NULL on a
 * broken chain. */
static inline uint8_t *fr_chain(const struct fr *f, uint32_t c, uint64_t *len) {
    uint8_t *buf = NULL;
    uint64_t n = 0;
    for (uint32_t steps = 0; !fr_eoc(f, c); steps++) {
        if (c < 2 || c >= f->clusters + 2 || steps > f->clusters) {
            free(buf);
            return NULL;
        }
        buf = realloc(buf, n + f->csize);
        memcpy(buf + n, f->v + (f->data_start + (uint64_t)(c - 2) * f->spc) * 512, f->csize);
        n += f->csize;
        c = fr_next(f, c);
    }
    *len = n;
    return buf ? buf : malloc(1);
}

static inline uint8_t fr_sum(const uint8_t *s) {
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + s[i]);
    return sum;
}

/* Lists the directory at cluster c (0: root).  Returns the count, -1 on a
 * broken chain; at most max entries are stored. */
static inline int fr_list(const struct fr *f, uint32_t c, struct fr_entry *out, int max) {
    uint8_t *d;
    uint64_t len;
    if (c == 0 && f->bits == 16) {
        len = f->root_entries * 32u;
        d = malloc(len);
        memcpy(d, f->v + f->root_start * 512, len);
    } else {
        d = fr_chain(f, c ? c : f->root_cluster, &len);
        if (!d)
            return -1;
    }
    int n = 0;
    char lname[256];
    int lfn_pending = 0;
    uint8_t lsum = 0;
    memset(lname, 0, sizeof lname);
    for (uint64_t off = 0; off + 32 <= len; off += 32) {
        const uint8_t *e = d + off;
        if (e[0] == 0)
            break;
        if (e[0] == 0xe5)
            continue;
        if (e[11] == 0x0f) {
            static const int pos[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
            int ord = e[0] & 0x3f;
            if (e[0] & 0x40) {
                memset(lname, 0, sizeof lname);
                lfn_pending = 1;
            }
            lsum = e[13];
            for (int i = 0; i < 13; i++) {
                uint16_t ch = fr16(e + pos[i]);
                int at = (ord - 1) * 13 + i;
                if (ch == 0 || ch == 0xffff || at >= 255)
                    continue;
                lname[at] = (char)ch;
            }
            continue;
        }
        if (n < max) {
            struct fr_entry *r = &out[n];
            memcpy(r->sfn, e, 11);
            r->attr = e[11];
            r->cluster = (uint32_t)fr16(e + 20) << 16 | fr16(e + 26);
            r->size = fr32(e + 28);
            r->lfn_ok = !lfn_pending || lsum == fr_sum(e);
            if (lfn_pending) {
                strcpy(r->name, lname);
            } else {
                int k = 0;
                for (int i = 0; i < 8 && e[i] != ' '; i++)
                    r->name[k++] = (char)e[i];
                if (e[8] != ' ') {
                    r->name[k++] = '.';
                    for (int i = 8; i < 11 && e[i] != ' '; i++)
                        r->name[k++] = (char)e[i];
                }
                r->name[k] = 0;
            }
        }
        n++;
        lfn_pending = 0;
    }
    free(d);
    return n;
}

/* Finds a '/'-separated path (case-insensitive, as FAT is). 0 or -1. */
static inline int fr_lookup(const struct fr *f, const char *path, struct fr_entry *out) {
    uint32_t dir = 0;
    char comp[256];
    while (*path) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        memcpy(comp, path, len);
        comp[len] = 0;
        struct fr_entry ents[600];
        int n = fr_list(f, dir, ents, 600);
        int found = -1;
        for (int i = 0; i < n && i < 600; i++)
            if (strcasecmp(ents[i].name, comp) == 0 && ents[i].sfn[0] != '.')
                found = i;
        if (found < 0)
            return -1;
        *out = ents[found];
        dir = out->cluster;
        path += len;
        if (*path == '/')
            path++;
    }
    return 0;
}

/* A file's contents (malloc'd, exactly size bytes), NULL if unreadable. */
static inline uint8_t *fr_read(const struct fr *f, const struct fr_entry *e) {
    if (e->size == 0)
        return malloc(1);
    uint64_t len;
    uint8_t *d = fr_chain(f, e->cluster, &len);
    if (!d || len < e->size || len - e->size >= f->csize) {
        free(d);
        return NULL;
    }
    return d;
}

#endif
