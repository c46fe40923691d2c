/* Socket addresses from and to the program (unix/socket.h).  Lengths are
 * the program's word and checked as Linux checks them: too short for the
 * family or longer than a sockaddr_storage is EINVAL, an unreadable or
 * unwritable pointer EFAULT. */
#include "unix/socket.h"
#include "unix/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SOCKADDR_STORAGE 128
#define SIN_LEN 16
#define SIN6_LEN 28
#define SIN6_LEN_RFC2133 24              /* without sin6_scope_id: Linux takes it */

static uint16_t be16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

int sockaddr_from_user(uint64_t uaddr, uint64_t ulen, struct net_addr *out)
{
    uint8_t b[SOCKADDR_STORAGE];
    uint32_t len = (uint32_t)ulen;
    if (len > SOCKADDR_STORAGE || len < 2)
        return -EINVAL;
    if (copy_from_user(b, uaddr, len))
        return -EFAULT;
    memset(out, 0, sizeof(*out));
    uint16_t family = (uint16_t)(b[0] | b[1] << 8);
    switch (family) {
    case AF_INET:
        if (len < SIN_LEN)
            return -EINVAL;
        out->family = NET_AF_INET;
        out->port = be16(b + 2);
        memcpy(out->ip, b + 4, 4);
        return 0;
    case AF_INET6:
        if (len < SIN6_LEN_RFC2133)
            return -EINVAL;
        out->family = NET_AF_INET6;
        out->port = be16(b + 2);
        memcpy(out->ip, b + 8, 16);
        if (len >= SIN6_LEN)
            memcpy(&out->scope_id, b + 24, 4);
        return 0;
    case 0:
        out->family = NET_AF_UNSPEC;     /* connect: a datagram socket forgets its peer */
        return 0;
    default:
        return -EAFNOSUPPORT;
    }
}

uint32_t sockaddr_encode(const struct net_addr *a, uint8_t b[SOCKADDR_INET_MAX])
{
    memset(b, 0, SOCKADDR_INET_MAX);
    b[2] = (uint8_t)(a->port >> 8);
    b[3] = (uint8_t)a->port;
    if (a->family == NET_AF_INET6) {
        b[0] = AF_INET6;
        memcpy(b + 8, a->ip, 16);
        memcpy(b + 24, &a->scope_id, 4);
        return SIN6_LEN;
    }
    b[0] = AF_INET;
    memcpy(b + 4, a->ip, 4);
    return SIN_LEN;
}

int sockaddr_to_user(const struct net_addr *a, uint64_t uaddr, uint64_t ulenp)
{
    if (!uaddr)
        return 0;
    int32_t room;
    if (copy_from_user(&room, ulenp, sizeof(room)))
        return -EFAULT;
    if (room < 0)
        return -EINVAL;
    uint8_t b[SOCKADDR_INET_MAX];
    uint32_t len = sockaddr_encode(a, b);
    uint32_t n = (uint32_t)room < len ? (uint32_t)room : len;
    if (n && copy_to_user(uaddr, b, n))
        return -EFAULT;
    return copy_to_user(ulenp, &len, sizeof(len)) ? -EFAULT : 0;
}
