/* What sendmsg and recvmsg share across socket families: the program's
 * struct msghdr and iovec array read and checked once, as Linux's
 * copy_msghdr_from_user and import_iovec check them, and a cursor that
 * moves bytes through an iovec list (user memory, checked on every copy,
 * or kernel memory). */
#ifndef UNIX_SOCKET_MSG_H
#define UNIX_SOCKET_MSG_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define SOCK_RW_MAX 0x7ffff000ull        /* Linux's MAX_RW_COUNT */
#define SOCK_IOV_MAX 1024                /* UIO_MAXIOV */
#define SOCK_CONTROL_MAX 131072          /* Linux's optmem_max: larger control data is ENOBUFS */
#define SOCK_NAME_MAX 128                /* sizeof(struct sockaddr_storage) */

/* struct msghdr as x86-64 Linux lays it out, and its fields' offsets. */
struct msghdr_k {
    uint64_t name;
    uint32_t namelen, pad;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad2;
};
#define MSGHDR_NAMELEN 8
#define MSGHDR_CONTROLLEN 40
#define MSGHDR_FLAGS 48

struct sock_iov {
    uint64_t base, len;
};

/* A msghdr read in: h as the program gave it but h.namelen at most
 * SOCK_NAME_MAX (0 without a name); name: the address a send goes to (0
 * when h.namelen is 0, as Linux ignores it then; a receive writes the
 * sender's address at h.name when that is not 0); iov[0..h.iovlen) with
 * lengths cut so they add up to total <= SOCK_RW_MAX; control: for a
 * send, the control data copied in (h.controllen bytes), else NULL. */
struct sock_msg {
    struct msghdr_k h;
    uint64_t name;
    struct sock_iov *iov;
    uint64_t total;
    uint8_t *control;
};

/* Reads and checks the msghdr at umsg (sending: its control data too):
 * 0, or -EFAULT, -EINVAL (a negative length), -EMSGSIZE (more than 1024
 * iovecs), -ENOBUFS (control data past SOCK_CONTROL_MAX), -ENOMEM.  On
 * success sock_msg_free frees what it holds. */
int sock_msg_read(uint64_t umsg, bool sending, struct sock_msg *m);
void sock_msg_free(struct sock_msg *m);
/* A recvmsg's results: msg_controllen (the control bytes written) and
 * msg_flags.  0 or -EFAULT. */
int sock_msg_done(uint64_t umsg, uint64_t controllen, int32_t flags);

/* As Linux's access_ok: the range lies below the end of user space
 * (whether it is mapped, the copies find out). */
bool sock_user_range_ok(uint64_t base, uint64_t len);

/* A position in a list of buffers. */
struct sock_iter {
    const struct sock_iov *iov;
    uint64_t count, idx, off;
    bool user;
};
/* Fills dst from the next n bytes, or writes src to them: 0 or -EFAULT
 * (the position then stands where the fault was). */
int sock_iter_take(struct sock_iter *it, void *dst, size_t n);
int sock_iter_put(struct sock_iter *it, const void *src, size_t n);
/* Writes what it can of src[0..n) (whole iovec pieces): the bytes written. */
size_t sock_iter_put_some(struct sock_iter *it, const void *src, size_t n);
/* Whether the next n bytes of user buffers are all mapped and writable. */
bool sock_iter_mapped(const struct sock_iter *it, uint64_t n);

#endif
