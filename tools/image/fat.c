/* FAT volume builder: see fat.h.  Layout (Microsoft FAT specification,
 * "FAT: General Overview of On-Disk Format" 1.03): boot sector (+ FSInfo and
 * backup boot sector on FAT32), two FATs, the FAT16 root directory region,
 * then the data clusters.  Every directory and file gets one contiguous run
 * of clusters, directories first. */
#include "fat.h"
#include "gpt.h" /* little-endian helpers */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIRENT 32u
#define ATTR_DIR 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LFN 0x0f
#define LFN_CHARS 13u
#define FAT16_ROOT_ENTRIES 512u
#define FAT16_MIN_CLUSTERS 4096u   /* FAT16 needs >= 4085; keep a margin */
#define FAT16_MAX_CLUSTERS 65524u  /* < 65525 */
#define FAT32_MIN_CLUSTERS 65600u  /* FAT32 needs >= 65525; keep a margin */
#define FAT32_MAX_CLUSTERS 0x0ffffff0u
/* A fixed timestamp (2024-01-01 00:00) keeps images reproducible. */
#define FAT_DATE (((2024 - 1980) << 9) | (1 << 5) | 1)
#define FAT_TIME 0

struct node {
    char *name;                 /* path component as given */
    int is_dir;
    const struct fat_file *file;
    struct node *parent, *child, *last_child, *next;
    uint8_t sfn[11];
    unsigned lfn_entries;       /* 0 when the 8.3 name says it all */
    uint64_t entries;           /* directories: entries they hold */
    uint32_t first_cluster, nclusters;
};

struct builder {
    struct node root;
    char *err;
    size_t errlen;
};

static int failf(struct builder *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (b->err && b->errlen)
        vsnprintf(b->err, b->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void free_tree(struct node *n) {
    struct node *c = n->child;
    while (c) {
        struct node *next = c->next;
        free_tree(c);
        free(c->name);
        free(c);
        c = next;
    }
}

static int upper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }

static int names_equal_nocase(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (upper((unsigned char)*a) != upper((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Characters allowed in a short name besides A-Z and 0-9. */
static int sfn_char(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c >= 128) ||
           strchr("!#$%&'()-@^_`{}~", c) != NULL;
}

/* Characters allowed in a long name. */
static int lfn_char(int c) {
    return c >= 0x20 && c < 0x7f && !strchr("\"*/:<>?\\|", c);
}

static struct node *find_child(struct node *dir, const char *name) {
    for (struct node *c = dir->child; c; c = c->next)
        if (names_equal_nocase(c->name, name))
            return c;
    return NULL;
}

static int add_path(struct builder *b, const struct fat_file *f) {
    struct node *dir = &b->root;
    const char *p = f->path;
    if (!p || !*p || *p == '/')
        return failf(b, "ESP path \"%s\": must be relative and not empty", p ? p : "");
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || len > 255 || (len == 1 && p[0] == '.') ||
            (len == 2 && p[0] == '.' && p[1] == '.'))
            return failf(b, "ESP path \"%s\": bad component", f->path);
        for (size_t i = 0; i < len; i++)
            if (!lfn_char((unsigned char)p[i]))
                return failf(b, "ESP path \"%s\": character 0x%02x not allowed (ASCII only)",
                             f->path, (unsigned char)p[i]);
        if (p[len - 1] == ' ' || p[len - 1] == '.')
            return failf(b, "ESP path \"%s\": component ends in a space or dot", f->path);
        char *name = strndup(p, len);
        if (!name)
            return failf(b, "out of memory");
        int last = slash == NULL || slash[1] == 0;
        struct node *c = find_child(dir, name);
        if (c) {
            free(name);
            if (last || !c->is_dir)
                return failf(b, "ESP path \"%s\": already present (FAT names ignore case)",
                             f->path);
        } else {
            c = calloc(1, sizeof *c);
            if (!c) {
                free(name);
                return failf(b, "out of memory");
            }
            c->name = name;
            c->is_dir = !last;
            c->file = last ? f : NULL;
            c->parent = dir;
            if (dir->last_child)
                dir->last_child->next = c;
            else
                dir->child = c;
            dir->last_child = c;
        }
        dir = c;
        p += len;
        if (*p == '/')
            p++;
    }
    return 0;
}

uint8_t fat_lfn_checksum(const uint8_t s[11]) {
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + s[i]);
    return sum;
}

static int sfn_taken(const struct node *dir, const struct node *upto, const uint8_t s[11]) {
    for (const struct node *c = dir->child; c && c != upto; c = c->next)
        if (memcmp(c->sfn, s, 11) == 0)
            return 1;
    return 0;
}

/* The short name of n (unique among its earlier siblings) and whether a
 * long name must go with it. */
static void make_sfn(struct node *n) {
    const char *name = n->name;
    size_t len = strlen(name);
    const char *dot = strrchr(name, '.');

    /* A plain 8.3 name needs nothing more. */
    int plain = name[0] != '.' && len <= 12;
    if (plain) {
        size_t blen = dot ? (size_t)(dot - name) : len;
        size_t elen = dot ? len - blen - 1 : 0;
        plain = blen >= 1 && blen <= 8 && elen <= 3 && (!dot || elen >= 1);
        for (size_t i = 0; plain && i < len; i++)
            if (name + i != dot && !sfn_char((unsigned char)name[i]))
                plain = 0;
    }
    memset(n->sfn, ' ', 11);
    if (plain) {
        size_t blen = dot ? (size_t)(dot - name) : len;
        memcpy(n->sfn, name, blen);
        if (dot)
            memcpy(n->sfn + 8, dot + 1, len - blen - 1);
        n->lfn_entries = 0;
        return;
    }

    /* Basis name: upper case, no spaces, no leading dots; the base is what
     * comes before the last dot (embedded dots dropped), the extension the
     * first three characters after it.  Lossy when anything was dropped or
     * replaced. */
    n->lfn_entries = (unsigned)((len + LFN_CHARS - 1) / LFN_CHARS);
    const char *s = name;
    while (*s == '.')
        s++;
    const char *edot = strrchr(s, '.');
    char base[9] = {0}, ext[4] = {0};
    size_t bl = 0, el = 0;
    int lossy = 0;
    for (const char *q = s; *q && q != edot; q++) {
        int c = upper((unsigned char)*q);
        if (c == ' ' || c == '.') {
            lossy = 1;
            continue;
        }
        if (!sfn_char(c)) {
            c = '_';
            lossy = 1;
        }
        if (bl < 8)
            base[bl++] = (char)c;
        else
            lossy = 1;
    }
    for (const char *q = edot ? edot + 1 : ""; *q; q++) {
        int c = upper((unsigned char)*q);
        if (c == ' ') {
            lossy = 1;
            continue;
        }
        if (!sfn_char(c)) {
            c = '_';
            lossy = 1;
        }
        if (el < 3)
            ext[el++] = (char)c;
        else
            lossy = 1;
    }
    if (s != name)
        lossy = 1;
    if (bl == 0) {
        base[bl++] = '_';
        lossy = 1;
    }
    memcpy(n->sfn + 8, ext, el);
    memcpy(n->sfn, base, bl);
    if (!lossy && !sfn_taken(n->parent, n, n->sfn))
        return; /* differs from its 8.3 name only by case */

    /* Numeric tail: BASE~N.EXT */
    for (unsigned k = 1; k < 1000000; k++) {
        char tail[9];
        int tl = snprintf(tail, sizeof tail, "~%u", k);
        size_t keep = bl < (size_t)(8 - tl) ? bl : (size_t)(8 - tl);
        memset(n->sfn, ' ', 8);
        memcpy(n->sfn, base, keep);
        memcpy(n->sfn + keep, tail, (size_t)tl);
        if (!sfn_taken(n->parent, n, n->sfn))
            return;
    }
}

/* Short names and entry counts for the whole tree. */
static void name_tree(struct node *dir, int is_root) {
    dir->entries = is_root ? 0 : 2; /* "." and ".." */
    for (struct node *c = dir->child; c; c = c->next) {
        make_sfn(c);
        dir->entries += 1 + c->lfn_entries;
        if (c->is_dir)
            name_tree(c, 0);
    }
}

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Clusters everything needs at this cluster size. */
static uint64_t count_clusters(const struct node *dir, uint32_t csize, int root_in_clusters) {
    uint64_t n = 0;
    if (root_in_clusters)
        n += div_up(dir->entries * DIRENT, csize) ? div_up(dir->entries * DIRENT, csize) : 1;
    for (const struct node *c = dir->child; c; c = c->next) {
        if (c->is_dir)
            n += count_clusters(c, csize, 1);
        else
            n += div_up(c->file->size, csize);
    }
    return n;
}

struct geometry {
    int bits;
    uint32_t spc;          /* sectors per cluster */
    uint32_t reserved;     /* reserved sectors */
    uint32_t fat_sectors;  /* per FAT */
    uint32_t root_sectors; /* FAT16 root directory region */
    uint32_t clusters;
    uint64_t data_start;   /* sector */
    uint64_t total;        /* sectors */
};

static void layout(struct geometry *g) {
    uint32_t entry_bytes = g->bits / 8;
    g->fat_sectors = (uint32_t)div_up((uint64_t)(g->clusters + 2) * entry_bytes, FAT_SECTOR);
    g->root_sectors = g->bits == 16 ? FAT16_ROOT_ENTRIES * DIRENT / FAT_SECTOR : 0;
    g->reserved = g->bits == 16 ? 1 : 32;
    /* pad the reserved area so that clusters are aligned to their size */
    uint64_t start = g->reserved + 2ull * g->fat_sectors + g->root_sectors;
    uint64_t pad = (g->spc - start % g->spc) % g->spc;
    g->reserved += (uint32_t)pad;
    g->data_start = start + pad;
    g->total = g->data_start + (uint64_t)g->clusters * g->spc;
}

struct writer {
    uint8_t *vol;
    const struct geometry *g;
    uint32_t next_cluster;
};

static uint8_t *cluster_ptr(struct writer *w, uint32_t c) {
    return w->vol + (w->g->data_start + (uint64_t)(c - 2) * w->g->spc) * FAT_SECTOR;
}

static void set_fat(struct writer *w, uint32_t c, uint32_t v) {
    uint8_t *fat = w->vol + (uint64_t)w->g->reserved * FAT_SECTOR;
    if (w->g->bits == 16)
        put_le16(fat + 2 * c, (uint16_t)v);
    else
        put_le32(fat + 4 * c, v);
}

static uint32_t alloc_run(struct writer *w, uint32_t n) {
    if (n == 0)
        return 0;
    uint32_t first = w->next_cluster;
    uint32_t eoc = w->g->bits == 16 ? 0xffff : 0x0fffffff;
    for (uint32_t i = 0; i < n; i++)
        set_fat(w, first + i, i + 1 == n ? eoc : first + i + 1);
    w->next_cluster += n;
    return first;
}

static void put_dirent(uint8_t *e, const uint8_t name[11], uint8_t attr, uint32_t cluster,
                       uint32_t size) {
    memcpy(e, name, 11);
    e[11] = attr;
    put_le16(e + 14, FAT_TIME);   /* creation */
    put_le16(e + 16, FAT_DATE);
    put_le16(e + 18, FAT_DATE);   /* last access */
    put_le16(e + 20, (uint16_t)(cluster >> 16));
    put_le16(e + 22, FAT_TIME);   /* last write */
    put_le16(e + 24, FAT_DATE);
    put_le16(e + 26, (uint16_t)cluster);
    put_le32(e + 28, size);
}

/* Writes the long-name entries of n (highest ordinal first); returns the
 * number of bytes used. */
static size_t put_lfn(uint8_t *e, const struct node *n) {
    static const uint8_t off[LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    uint8_t sum = fat_lfn_checksum(n->sfn);
    size_t len = strlen(n->name);
    for (unsigned k = n->lfn_entries; k >= 1; k--, e += DIRENT) {
        memset(e, 0, DIRENT);
        e[0] = (uint8_t)(k | (k == n->lfn_entries ? 0x40 : 0));
        e[11] = ATTR_LFN;
        e[13] = sum;
        for (unsigned i = 0; i < LFN_CHARS; i++) {
            size_t pos = (k - 1) * LFN_CHARS + i;
            uint16_t ch = pos < len ? (uint8_t)n->name[pos] : pos == len ? 0x0000 : 0xffff;
            put_le16(e + off[i], ch);
        }
    }
    return (size_t)n->lfn_entries * DIRENT;
}

/* Gives every directory below dir (dir included unless it is the FAT16
 * root) its clusters, breadth first so that the top of the tree comes
 * first on the disk. */
static void alloc_dirs(struct writer *w, struct node *dir) {
    for (struct node *c = dir->child; c; c = c->next) {
        if (!c->is_dir)
            continue;
        c->nclusters = (uint32_t)div_up(c->entries * DIRENT, (uint64_t)w->g->spc * FAT_SECTOR);
        c->first_cluster = alloc_run(w, c->nclusters);
    }
    for (struct node *c = dir->child; c; c = c->next)
        if (c->is_dir)
            alloc_dirs(w, c);
}

static void alloc_files(struct writer *w, struct node *dir) {
    for (struct node *c = dir->child; c; c = c->next) {
        if (c->is_dir) {
            alloc_files(w, c);
        } else {
            c->nclusters = (uint32_t)div_up(c->file->size, (uint64_t)w->g->spc * FAT_SECTOR);
            c->first_cluster = alloc_run(w, c->nclusters);
            if (c->file->size)
                memcpy(cluster_ptr(w, c->first_cluster), c->file->data, c->file->size);
        }
    }
}

/* Fills the entries of dir at e; `self` is dir's own cluster (0 for the
 * root), `parent` its parent's (0 when that is the root). */
static void write_dir(struct writer *w, const struct node *dir, uint8_t *e, int is_root) {
    static const uint8_t dot[11] = {'.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    static const uint8_t dotdot[11] = {'.', '.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    if (!is_root) {
        uint32_t parent = dir->parent->parent ? dir->parent->first_cluster : 0;
        put_dirent(e, dot, ATTR_DIR, dir->first_cluster, 0);
        put_dirent(e + DIRENT, dotdot, ATTR_DIR, parent, 0);
        e += 2 * DIRENT;
    }
    for (const struct node *c = dir->child; c; c = c->next) {
        e += put_lfn(e, c);
        put_dirent(e, c->sfn, c->is_dir ? ATTR_DIR : ATTR_ARCHIVE, c->first_cluster,
                   c->is_dir ? 0 : (uint32_t)c->file->size);
        e += DIRENT;
    }
    for (const struct node *c = dir->child; c; c = c->next)
        if (c->is_dir)
            write_dir(w, c, cluster_ptr(w, c->first_cluster), 0);
}

static void boot_sector(uint8_t *bs, const struct geometry *g, const struct fat_options *opt) {
    static const uint8_t jmp16[3] = {0xeb, 0x3c, 0x90}, jmp32[3] = {0xeb, 0x58, 0x90};
    memcpy(bs, g->bits == 16 ? jmp16 : jmp32, 3);
    memcpy(bs + 3, "CLOAK   ", 8);
    put_le16(bs + 11, FAT_SECTOR);
    bs[13] = (uint8_t)g->spc;
    put_le16(bs + 14, (uint16_t)g->reserved);
    bs[16] = 2;                                      /* FATs */
    put_le16(bs + 17, g->bits == 16 ? FAT16_ROOT_ENTRIES : 0);
    if (g->bits == 16 && g->total < 65536)
        put_le16(bs + 19, (uint16_t)g->total);
    else
        put_le32(bs + 32, (uint32_t)g->total);
    bs[21] = 0xf8;                                   /* fixed disk */
    put_le16(bs + 24, 63);                           /* sectors per track */
    put_le16(bs + 26, 255);                          /* heads */
    put_le32(bs + 28, (uint32_t)opt->hidden_sectors);
    uint8_t *x = bs + 36;                            /* extended BPB */
    if (g->bits == 16) {
        put_le16(bs + 22, (uint16_t)g->fat_sectors);
    } else {
        put_le32(bs + 36, g->fat_sectors);
        put_le32(bs + 44, 2);                        /* root cluster */
        put_le16(bs + 48, 1);                        /* FSInfo sector */
        put_le16(bs + 50, 6);                        /* backup boot sector */
        x = bs + 64;
    }
    x[0] = 0x80;                                     /* drive number */
    x[2] = 0x29;                                     /* extended boot signature */
    put_le32(x + 3, opt->volume_id);
    memcpy(x + 7, "NO NAME    ", 11); /* no volume-label entry in the root */
    memcpy(x + 18, g->bits == 16 ? "FAT16   " : "FAT32   ", 8);
    /* boot code: the partition is not bootable by BIOS; halt if tried */
    uint8_t *code = x + 26;
    code[0] = 0xfa; code[1] = 0xf4; code[2] = 0xeb; code[3] = 0xfd; /* cli; hlt; jmp $-1 */
    bs[510] = 0x55;
    bs[511] = 0xaa;
}

int fat_build(struct fat_volume *vol, const struct fat_file *files, size_t nfiles,
              const struct fat_options *opt, char *err, size_t errlen) {
    struct builder b = {.err = err, .errlen = errlen};
    struct fat_options none = {0};
    if (!opt)
        opt = &none;
    memset(vol, 0, sizeof *vol);
    int rc = -1;

    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].size > 0xffffffffu) {
            failf(&b, "ESP path \"%s\": larger than 4 GiB - 1, FAT cannot hold it", files[i].path);
            goto out;
        }
        if (add_path(&b, &files[i]) < 0)
            goto out;
    }
    name_tree(&b.root, 1);

    /* FAT16 with 2 KiB clusters while the content fits, else FAT32 with
     * 4 KiB clusters; either with 1/8 + 32 clusters of slack. */
    struct geometry g = {0};
    for (int attempt = 0; attempt < 2; attempt++) {
        g.bits = attempt == 0 ? 16 : 32;
        g.spc = attempt == 0 ? 4 : 8;
        uint32_t csize = g.spc * FAT_SECTOR;
        uint64_t need = count_clusters(&b.root, csize, g.bits == 32);
        uint64_t want = need + need / 8 + 32;
        if (opt->min_bytes / csize > want)
            want = opt->min_bytes / csize;
        uint64_t min = g.bits == 16 ? FAT16_MIN_CLUSTERS : FAT32_MIN_CLUSTERS;
        uint64_t max = g.bits == 16 ? FAT16_MAX_CLUSTERS : FAT32_MAX_CLUSTERS;
        if (want < min)
            want = min;
        if (g.bits == 16 && b.root.entries > FAT16_ROOT_ENTRIES)
            continue; /* the FAT16 root directory region is full */
        if (want <= max) {
            g.clusters = (uint32_t)want;
            break;
        }
        if (g.bits == 32) {
            failf(&b, "content of %llu clusters is too big for FAT32", (unsigned long long)need);
            goto out;
        }
    }
    layout(&g);

    uint8_t *v = calloc(1, g.total * FAT_SECTOR);
    if (!v) {
        failf(&b, "out of memory for a %llu-byte FAT volume",
              (unsigned long long)(g.total * FAT_SECTOR));
        goto out;
    }
    struct writer w = {.vol = v, .g = &g, .next_cluster = 2};
    set_fat(&w, 0, g.bits == 16 ? 0xfff8 : 0x0ffffff8);
    set_fat(&w, 1, g.bits == 16 ? 0xffff : 0x0fffffff);
    uint8_t *root_dir;
    if (g.bits == 32) {
        b.root.nclusters = (uint32_t)div_up(b.root.entries * DIRENT, (uint64_t)g.spc * FAT_SECTOR);
        if (b.root.nclusters == 0)
            b.root.nclusters = 1;
        b.root.first_cluster = alloc_run(&w, b.root.nclusters); /* cluster 2 */
        root_dir = cluster_ptr(&w, b.root.first_cluster);
    } else {
        root_dir = v + (g.reserved + 2ull * g.fat_sectors) * FAT_SECTOR;
    }
    alloc_dirs(&w, &b.root);
    alloc_files(&w, &b.root);
    write_dir(&w, &b.root, root_dir, 1);

    boot_sector(v, &g, opt);
    if (g.bits == 32) {
        uint8_t *fsi = v + FAT_SECTOR;
        put_le32(fsi, 0x41615252);
        put_le32(fsi + 484, 0x61417272);
        put_le32(fsi + 488, g.clusters - (w.next_cluster - 2)); /* free clusters */
        put_le32(fsi + 492, w.next_cluster);                    /* next free */
        put_le32(fsi + 508, 0xaa550000);
        memcpy(v + 6 * FAT_SECTOR, v, 2 * FAT_SECTOR); /* backup boot + FSInfo */
    }
    /* the second FAT mirrors the first */
    memcpy(v + ((uint64_t)g.reserved + g.fat_sectors) * FAT_SECTOR,
           v + (uint64_t)g.reserved * FAT_SECTOR, (uint64_t)g.fat_sectors * FAT_SECTOR);

    vol->data = v;
    vol->size = g.total * FAT_SECTOR;
    vol->fat_bits = g.bits;
    vol->clusters = g.clusters;
    vol->cluster_size = g.spc * FAT_SECTOR;
    rc = 0;
out:
    free_tree(&b.root);
    return rc;
}

void fat_free(struct fat_volume *vol) {
    free(vol->data);
    vol->data = NULL;
    vol->size = 0;
}
