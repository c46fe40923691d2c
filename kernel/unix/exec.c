/* Loading a static ELF program and building its initial stack. */
#include "unix/exec.h"
#include "unix/elf.h"
#include "unix/process.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "drivers/entropy.h"
#include "mm/layout.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "fs/ramfs.h"
#include "fs/path.h"
#include "fs/vfs.h"

#define STACK_TOP 0x00007ffffffde000ull
#define STACK_SIZE (8ull << 20)
#define ARG_MAX_BYTES (256ull << 10)

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_MINSIGSTKSZ 51

static int load_segments(const struct elf_image *img, const uint8_t *data, const char *name)
{
    uint64_t prev_end = 0;
    unsigned prev_prot = 0;
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t va = s->vaddr + img->bias;
        uint64_t start = PAGE_ROUND_DOWN(va), end = PAGE_ROUND_UP(va + s->memsz);
        if (start < prev_end) {
            /* Two segments share a page: it gets both permissions. */
            prev_prot |= s->prot;
            int err = as_protect(&proc.as, prev_end - PAGE_SIZE, PAGE_SIZE, prev_prot);
            if (err)
                return err;
            start = prev_end;
        }
        if (start < end) {
            uint64_t file_off = PAGE_ROUND_DOWN(s->offset) + (start - PAGE_ROUND_DOWN(va));
            int err = as_map(&proc.as, start, end - start, s->prot, name, file_off);
            if (err)
                return err;
        }
        int err = as_write(&proc.as, va, data + s->offset, s->filesz);
        if (err)
            return err;
        prev_end = end > prev_end ? end : prev_end;
        prev_prot = s->prot;
    }
    return 0;
}

/* Builds the stack image in a kernel buffer laid out for its final address,
 * then copies it in: strings at the top, then auxv, envp, argv, argc. */
static int build_stack(const struct elf_image *img, uint64_t interp_base, const char *execfn, char *const argv[],
                       char *const envp[], uint64_t *sp_out)
{
    int argc = 0, envc = 0;
    uint64_t strings = strlen(execfn) + 1 + 16 + 8;    /* execfn, random bytes, "x86_64" */
    for (; argv[argc]; argc++)
        strings += strlen(argv[argc]) + 1;
    for (; envp[envc]; envc++)
        strings += strlen(envp[envc]) + 1;
    if (strings > ARG_MAX_BYTES)
        return -E2BIG;
    uint64_t nauxv = 22;
    uint64_t vectors = (1 + argc + 1 + envc + 1 + nauxv * 2) * 8;
    uint64_t total = PAGE_ROUND_UP(strings + vectors + 64);
    uint8_t *buf = kzalloc(total);
    if (!buf)
        return -ENOMEM;
    uint64_t base = STACK_TOP - total;             /* user address of buf[0] */
    uint64_t top = total;
#define PUT_STRING(s) ({ size_t _l = strlen(s) + 1; top -= _l; memcpy(buf + top, (s), _l); base + top; })
    uint64_t execfn_at = PUT_STRING(execfn);
    uint64_t platform_at = PUT_STRING("x86_64");
    top -= 16;
    random_fill(buf + top, 16);
    uint64_t random_at = base + top;
    uint64_t *argp = kmalloc(sizeof(uint64_t) * (size_t)(argc + envc + 2));
    if (!argp) {
        kfree(buf);
        return -ENOMEM;
    }
    for (int i = 0; i < argc; i++)
        argp[i] = PUT_STRING(argv[i]);
    for (int i = 0; i < envc; i++)
        argp[argc + i] = PUT_STRING(envp[i]);
#undef PUT_STRING
    top &= ~15ull;
    uint64_t auxv[][2] = {
        { AT_PHDR, img->phdr }, { AT_PHENT, img->phentsize }, { AT_PHNUM, img->phnum },
        { AT_PAGESZ, PAGE_SIZE }, { AT_BASE, interp_base }, { AT_FLAGS, 0 }, { AT_ENTRY, img->entry },
        { AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 }, { AT_SECURE, 0 },
        { AT_HWCAP, cpu_features.hwcap }, { AT_HWCAP2, cpu_features.hwcap2 }, { AT_CLKTCK, 100 },
        { AT_PLATFORM, platform_at }, { AT_RANDOM, random_at }, { AT_EXECFN, execfn_at },
        { AT_MINSIGSTKSZ, 2048 }, { AT_NULL, 0 },
    };
    uint64_t nwords = 1 + (uint64_t)argc + 1 + (uint64_t)envc + 1 + sizeof(auxv) / 8;
    /* argc must land 16-byte aligned. */
    top -= nwords * 8;
    top &= ~15ull;
    uint64_t *w = (uint64_t *)(buf + top);
    *w++ = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        *w++ = argp[i];
    *w++ = 0;
    for (int i = 0; i < envc; i++)
        *w++ = argp[argc + i];
    *w++ = 0;
    memcpy(w, auxv, sizeof(auxv));
    kfree(argp);
    int err = as_write(&proc.as, base, buf, total);
    kfree(buf);
    if (err)
        return err;
    *sp_out = base + top;
    return 0;
}

/* The whole file in memory: the boot archive's bytes for ramfs files, a
 * heap copy otherwise (*owned set). */
static int file_bytes(struct vnode *vn, const uint8_t **data, uint64_t *size, bool *owned)
{
    *owned = false;
    if (vn->ops == &ramfs_ops) {
        *data = vn->data;
        *size = vn->size;
        return 0;
    }
    if (vn->size > (1ull << 30))
        return -EFBIG;
    uint8_t *buf = kmalloc(vn->size ? vn->size : 1);
    if (!buf)
        return -ENOMEM;
    int64_t got = vfs_read(vn, buf, vn->size, 0);
    if (got < 0 || (uint64_t)got != vn->size) {
        kfree(buf);
        return got < 0 ? (int)got : -EIO;
    }
    *data = buf;
    *size = vn->size;
    *owned = true;
    return 0;
}

#define USER_LOAD_LIMIT (STACK_TOP - STACK_SIZE - (1ull << 30))

/* Loads the dynamic linker named by PT_INTERP; *base and *entry for auxv. */
static int load_interpreter(const char *interp, uint64_t *base, uint64_t *entry, const char **why)
{
    struct vnode *vn;
    if (path_resolve(vfs_root, interp, true, &vn) < 0) {
        *why = "its interpreter (PT_INTERP) is not in the image";
        return -ENOENT;
    }
    if (!vn_is_reg(vn)) {
        *why = "its interpreter (PT_INTERP) is not a regular file";
        return -EACCES;
    }
    const uint8_t *data;
    uint64_t size;
    bool owned;
    int err = file_bytes(vn, &data, &size, &owned);
    if (err) {
        *why = "its interpreter cannot be read";
        return err;
    }
    struct elf_image img;
    const char *iwhy;
    err = -ENOEXEC;
    if (elf_check_at(data, size, USER_LOAD_LIMIT, 0x10000, &img, &iwhy) < 0) {
        klog("exec: interpreter %s: %s", interp, iwhy);
        *why = "its interpreter is not a valid ELF (see the line above)";
    } else if (!img.pie || img.has_interp) {
        *why = "its interpreter is not a position-independent ELF without an interpreter of its own";
    } else {
        uint64_t at = as_find_free(&proc.as, elf_span(&img), 0);
        if (!at || elf_check_at(data, size, USER_LOAD_LIMIT, at, &img, &iwhy) < 0) {
            *why = "no room for its interpreter";
            err = -ENOMEM;
        } else if ((err = load_segments(&img, data, interp)) < 0) {
            *why = "its interpreter's segments cannot be loaded";
        } else {
            *base = at;
            *entry = img.entry;
            err = 0;
        }
    }
    if (owned)
        kfree((void *)data);
    return err;
}

int exec_load(struct vnode *file, const char *path, char *const argv[], char *const envp[],
              struct trap_frame *frame, const char **why)
{
    struct elf_image img;
    if (!vn_is_reg(file)) {
        *why = "not a regular file";
        return -EACCES;
    }
    const uint8_t *data;
    uint64_t size;
    bool owned;
    int err = file_bytes(file, &data, &size, &owned);
    if (err) {
        *why = "cannot read it";
        return err;
    }
    if (elf_check(data, size, USER_LOAD_LIMIT, &img, why) < 0) {
        err = -ENOEXEC;
        goto out;
    }
    strlcpy(proc.exe_path, path, sizeof(proc.exe_path));
    proc.exe_bias = img.bias;
    if ((err = load_segments(&img, data, path))) {
        *why = err == -ENOMEM ? "out of memory while loading its segments" : "its segments cannot be mapped";
        goto out;
    }
    uint64_t interp_base = 0, entry = img.entry;
    if (img.has_interp) {
        const char *interp = (const char *)data + img.interp_offset;
        if ((err = load_interpreter(interp, &interp_base, &entry, why)))
            goto out;
        klog("exec: interpreter %s at %lx", interp, interp_base);
    }
    unsigned stack_prot = PROT_READ | PROT_WRITE | (img.exec_stack ? PROT_EXEC : 0);
    if ((err = as_map(&proc.as, STACK_TOP - STACK_SIZE, STACK_SIZE, stack_prot, "[stack]", 0))) {
        *why = "cannot map the stack";
        goto out;
    }
    uint64_t sp;
    if ((err = build_stack(&img, interp_base, path, argv, envp, &sp))) {
        *why = err == -E2BIG ? "arguments and environment are too large" : "out of memory building the stack";
        goto out;
    }
    proc.brk_start = proc.brk = PAGE_ROUND_UP(img.end);

    memset(frame, 0, sizeof(*frame));
    frame->rip = entry;
    frame->rsp = sp;
    frame->cs = USER_CS;
    frame->ss = USER_DS;
    frame->rflags = 0x202;                 /* IF */
    klog("exec: %s entry %lx, brk %lx, stack %lx", path, entry, proc.brk, sp);
out:
    if (owned)
        kfree((void *)data);
    return err;
}
