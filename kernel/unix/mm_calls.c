/* Memory system calls: brk, mmap and friends over the address space. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/fd.h"
#include "mm/layout.h"
#include "mm/heap.h"
#include "fs/vnode.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/log.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x100
#define MAP_DENYWRITE 0x800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_HUGETLB 0x40000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_FAILED_RANGE ((uint64_t)-4096)

#define BRK_MAX (1ull << 36)      /* 64 GiB of heap is plenty */

int64_t sys_brk(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t want = a0;
    if (want == 0 || want < proc.brk_start || want - proc.brk_start > BRK_MAX)
        return (int64_t)proc.brk;
    uint64_t old_end = PAGE_ROUND_UP(proc.brk), new_end = PAGE_ROUND_UP(want);
    if (new_end > old_end) {
        if (!as_range_free(&proc.as, old_end, new_end - old_end))
            return (int64_t)proc.brk;
        if (as_map(&proc.as, old_end, new_end - old_end, PROT_READ | PROT_WRITE, "[heap]", 0) < 0)
            return (int64_t)proc.brk;
    } else if (new_end < old_end) {
        as_unmap(&proc.as, new_end, old_end - new_end);
    }
    proc.brk = want;
    return (int64_t)want;
}

/* A private file mapping starts as a copy of the file's bytes. */
static int64_t copy_vnode_into(uint64_t addr, uint64_t len, struct vnode *vn, uint64_t off)
{
    if (off >= vn->size)
        return 0;
    uint64_t n = vn->size - off < len ? vn->size - off : len;
    if (vn->ops == &ramfs_ops)
        return as_write(&proc.as, addr, vn->data + off, n);
    uint8_t *buf = kmalloc(65536);
    if (!buf)
        return -ENOMEM;
    int64_t err = 0;
    for (uint64_t done = 0; done < n && !err;) {
        uint64_t chunk = n - done < 65536 ? n - done : 65536;
        int64_t got = vfs_read(vn, buf, chunk, off + done);
        if (got <= 0) {
            err = got < 0 ? got : 0;   /* a file shorter than its size: zeros */
            break;
        }
        err = as_write(&proc.as, addr + done, buf, (size_t)got);
        done += (uint64_t)got;
    }
    kfree(buf);
    return err;
}

int64_t sys_mmap(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t addr = a0, len = a1, prot = a2, flags = a3, off = a5;
    int fd = (int)a4;
    if (len == 0 || (off & (PAGE_SIZE - 1)))
        return -EINVAL;
    if (prot & ~7ull)
        return -EINVAL;
    uint64_t type = flags & MAP_TYPE;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (len > USER_TOP)
        return -ENOMEM;
    len = PAGE_ROUND_UP(len);
    struct file *f = 0;
    if (!(flags & MAP_ANONYMOUS)) {
        f = fd_get(fd);
        if (!f)
            return -EBADF;
        if (!vn_is_reg(f->vn))
            return -ENODEV;
        if ((f->flags & O_ACCMODE) == O_WRONLY)
            return -EACCES;
        if (type != MAP_PRIVATE && (prot & PROT_WRITE)) {
            /* A shared writable mapping would have to write back to the file. */
            klog_once(sys_mmap, "mmap: MAP_SHARED writable file mappings are not supported yet");
            return -ENODEV;
        }
    }
    uint64_t start;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & (PAGE_SIZE - 1))
            return -EINVAL;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !as_range_free(&proc.as, addr, len))
            return -EEXIST;
        start = addr;
    } else {
        start = as_find_free(&proc.as, len, addr);
        if (!start)
            return -ENOMEM;
    }
    int err = as_map(&proc.as, start, len, (unsigned)prot, f ? f->path : 0, f ? off : 0);
    if (err)
        return err;
    if (f && (err = (int)copy_vnode_into(start, len, f->vn, off)) < 0) {
        as_unmap(&proc.as, start, len);
        return err;
    }
    if (f)
        as_set_backing(&proc.as, start, len, f->vn);
    return (int64_t)start;
}

int64_t sys_munmap(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0 & (PAGE_SIZE - 1) || a1 == 0)
        return -EINVAL;
    return as_unmap(&proc.as, a0, a1);
}

int64_t sys_mprotect(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0 & (PAGE_SIZE - 1))
        return -EINVAL;
    if (a2 & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | 0x01000000 /* PROT_GROWSDOWN */))
        return -EINVAL;
    if (a1 == 0)
        return 0;
    return as_protect(&proc.as, a0, a1, (unsigned)(a2 & 7));
}

#define MADV_DONTNEED 4
#define MADV_FREE 8

/* After MADV_DONTNEED a private file mapping reads as the file again (as
 * Linux refaults it from the page cache); here the pages are copied back
 * from the file the mapping was made from. */
static int refill_from_files(uint64_t start, uint64_t len)
{
    uint64_t end = start + len;
    for (struct region *r = proc.as.regions; r && r->start < end; r = r->next) {
        if (!r->backing || r->end <= start)
            continue;
        uint64_t from = r->start > start ? r->start : start;
        uint64_t to = r->end < end ? r->end : end;
        struct vnode *vn = (struct vnode *)r->backing;
        int64_t err = copy_vnode_into(from, to - from, vn, r->file_offset + (from - r->start));
        if (err < 0)
            return (int)err;
    }
    return 0;
}

static bool any_file_backed(uint64_t start, uint64_t len)
{
    for (struct region *r = proc.as.regions; r && r->start < start + len; r = r->next)
        if (r->backing && r->end > start)
            return true;
    return false;
}

int64_t sys_madvise(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0 & (PAGE_SIZE - 1))
        return -EINVAL;
    if (a1 == 0)
        return 0;
    if (!as_check(&proc.as, a0, a1, PROT_NONE))
        return -ENOMEM;
    uint64_t len = PAGE_ROUND_UP(a1);
    /* Linux frees lazily only anonymous memory: MADV_FREE on a file
     * mapping is EINVAL. */
    if (a2 == MADV_FREE && any_file_backed(a0, len))
        return -EINVAL;
    if (a2 == MADV_DONTNEED || a2 == MADV_FREE) {
        as_discard(&proc.as, a0, len);
        return refill_from_files(a0, len);
    }
    return 0;                      /* other advice is only advice */
}

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/* Grows or shrinks a mapping; moving copies the pages (one process, so
 * the copy is invisible). */
int64_t sys_mremap(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t old = a0, old_len = PAGE_ROUND_UP(a1), new_len = PAGE_ROUND_UP(a2), flags = a3;
    if ((old & (PAGE_SIZE - 1)) || new_len == 0 || (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)))
        return -EINVAL;
    if (flags & MREMAP_FIXED)
        return -EINVAL;
    struct region *r = as_find(&proc.as, old);
    if (!r || old_len == 0 || old + old_len > r->end)
        return -EFAULT;
    unsigned prot = r->prot;
    if (new_len <= old_len) {
        if (new_len < old_len)
            as_unmap(&proc.as, old + new_len, old_len - new_len);
        return (int64_t)old;
    }
    if (as_range_free(&proc.as, old + old_len, new_len - old_len)) {
        int err = as_map(&proc.as, old + old_len, new_len - old_len, prot, 0, 0);
        return err ? err : (int64_t)old;
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    uint64_t dst = as_find_free(&proc.as, new_len, 0);
    if (!dst)
        return -ENOMEM;
    int err = as_map(&proc.as, dst, new_len, prot, 0, 0);
    if (err)
        return err;
    /* Copy through a kernel page so protections do not matter. */
    uint8_t *tmp = kmalloc(PAGE_SIZE);
    if (!tmp) {
        as_unmap(&proc.as, dst, new_len);
        return -ENOMEM;
    }
    for (uint64_t o = 0; o < old_len; o += PAGE_SIZE) {
        if (as_read_page(&proc.as, old + o, tmp) == 1)
            as_write(&proc.as, dst + o, tmp, PAGE_SIZE);
    }
    kfree(tmp);
    as_unmap(&proc.as, old, old_len);
    return (int64_t)dst;
}
