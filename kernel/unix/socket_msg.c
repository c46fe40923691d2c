/* The msghdr and iovecs of sendmsg/recvmsg, read once for every socket
 * family (unix/socket_msg.h).  Linux's order and answers: the header
 * (EFAULT), a negative msg_namelen (EINVAL, a longer one is cut to a
 * sockaddr_storage), more than UIO_MAXIOV iovecs (EMSGSIZE), the iovec
 * array (EFAULT), a negative length (EINVAL), a buffer past the end of
 * the address space (EFAULT; one iovec alone is first cut to
 * MAX_RW_COUNT), the total cut to MAX_RW_COUNT; for a send the control
 * data last (ENOBUFS past optmem_max or INT_MAX, EFAULT). */
#include "unix/socket_msg.h"
#include "unix/usercopy.h"
#include "mm/layout.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

#define INT_MAX_LEN 0x7fffffffull

bool sock_user_range_ok(uint64_t base, uint64_t len)
{
    return base <= USER_TOP && len <= USER_TOP - base;
}

static int read_iovecs(struct sock_msg *m)
{
    uint64_t n = m->h.iovlen;
    m->iov = kmalloc(n ? n * sizeof(*m->iov) : 1);
    if (!m->iov)
        return -ENOMEM;
    if (n && copy_from_user(m->iov, m->h.iov, n * sizeof(*m->iov)))
        return -EFAULT;
    for (uint64_t i = 0; i < n; i++)
        if ((int64_t)m->iov[i].len < 0)
            return -EINVAL;
    if (n == 1 && m->iov[0].len > SOCK_RW_MAX)
        m->iov[0].len = SOCK_RW_MAX;
    m->total = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (!sock_user_range_ok(m->iov[i].base, m->iov[i].len))
            return -EFAULT;
        if (m->iov[i].len > SOCK_RW_MAX - m->total)
            m->iov[i].len = SOCK_RW_MAX - m->total;
        m->total += m->iov[i].len;
    }
    return 0;
}

static int read_control(struct sock_msg *m)
{
    uint64_t len = m->h.controllen;
    if (!len)
        return 0;
    if (len > INT_MAX_LEN || len >= SOCK_CONTROL_MAX)
        return -ENOBUFS;
    m->control = kmalloc(len);
    if (!m->control)
        return -ENOMEM;
    return copy_from_user(m->control, m->h.control, len) ? -EFAULT : 0;
}

int sock_msg_read(uint64_t umsg, bool sending, struct sock_msg *m)
{
    memset(m, 0, sizeof(*m));
    if (copy_from_user(&m->h, umsg, sizeof(m->h)))
        return -EFAULT;
    if (!m->h.name)
        m->h.namelen = 0;
    if ((int32_t)m->h.namelen < 0)
        return -EINVAL;
    if (m->h.namelen > SOCK_NAME_MAX)
        m->h.namelen = SOCK_NAME_MAX;
    m->name = m->h.namelen ? m->h.name : 0;
    if (m->h.iovlen > SOCK_IOV_MAX)
        return -EMSGSIZE;
    int err = read_iovecs(m);
    if (!err && sending)
        err = read_control(m);
    if (err)
        sock_msg_free(m);
    return err;
}

void sock_msg_free(struct sock_msg *m)
{
    kfree(m->iov);
    kfree(m->control);
    m->iov = NULL;
    m->control = NULL;
}

int sock_msg_done(uint64_t umsg, uint64_t controllen, int32_t flags)
{
    if (copy_to_user(umsg + MSGHDR_CONTROLLEN, &controllen, sizeof(controllen)) ||
        copy_to_user(umsg + MSGHDR_FLAGS, &flags, sizeof(flags)))
        return -EFAULT;
    return 0;
}

static int iter_move(struct sock_iter *it, uint8_t *k, size_t n, bool to_k)
{
    while (n) {
        if (it->idx >= it->count)
            return -EFAULT;              /* more asked than the buffers hold: a bug */
        const struct sock_iov *v = &it->iov[it->idx];
        uint64_t piece = v->len - it->off < n ? v->len - it->off : n;
        uint64_t at = v->base + it->off;
        if (piece && it->user) {
            int err = to_k ? copy_from_user(k, at, piece) : copy_to_user(at, k, piece);
            if (err)
                return -EFAULT;
        } else if (piece) {
            if (to_k)
                memcpy(k, (const void *)(uintptr_t)at, piece);
            else
                memcpy((void *)(uintptr_t)at, k, piece);
        }
        k += piece;
        n -= piece;
        it->off += piece;
        if (it->off == v->len) {
            it->idx++;
            it->off = 0;
        }
    }
    return 0;
}

int sock_iter_take(struct sock_iter *it, void *dst, size_t n)
{
    return iter_move(it, dst, n, true);
}

int sock_iter_put(struct sock_iter *it, const void *src, size_t n)
{
    return iter_move(it, (uint8_t *)src, n, false);
}

size_t sock_iter_put_some(struct sock_iter *it, const void *src, size_t n)
{
    size_t done = 0;
    while (done < n && it->idx < it->count) {
        const struct sock_iov *v = &it->iov[it->idx];
        size_t piece = v->len - it->off < n - done ? v->len - it->off : n - done;
        if (sock_iter_put(it, (const uint8_t *)src + done, piece))
            break;
        done += piece;
    }
    return done;
}

bool sock_iter_mapped(const struct sock_iter *it, uint64_t n)
{
    uint64_t off = it->off;
    for (uint64_t i = it->idx; i < it->count && n; i++, off = 0) {
        uint64_t piece = it->iov[i].len - off < n ? it->iov[i].len - off : n;
        if (piece && !user_begin(it->iov[i].base + off, piece, true))
            return false;
        if (piece)
            user_end();
        n -= piece;
    }
    return true;
}
