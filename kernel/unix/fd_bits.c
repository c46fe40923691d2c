/* select's bitmaps (unix/fd_bits.h). */
#include "unix/fd_bits.h"
#include "unix/readiness.h"
#include "lib/errno.h"

/* What counts as ready for each set (Linux's POLLIN_SET, POLLOUT_SET,
 * POLLEX_SET): a hung-up or failed descriptor is readable. */
static const uint32_t wanted[3] = {
    POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR,
    POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR,
    POLLPRI,
};

size_t fd_bits_bytes(int nfds)
{
    return nfds <= 0 ? 0 : (size_t)(nfds + 63) / 64 * 8;
}

static uint64_t asked(const struct fd_bits *in, int word)
{
    return in->set[0][word] | in->set[1][word] | in->set[2][word];
}

/* The bits below nfds of word w. */
static uint64_t below(int nfds, int w)
{
    int left = nfds - w * 64;
    return left >= 64 ? ~0ull : (1ull << left) - 1;
}

int fd_bits_check_open(const struct fd_bits *in, int nfds, fd_poll_fn poll)
{
    for (int w = 0; w * 64 < nfds; w++) {
        uint64_t bits = asked(in, w) & below(nfds, w);
        for (int b = 0; bits; b++, bits >>= 1)
            if ((bits & 1) && poll(w * 64 + b) == -EBADF)
                return -EBADF;
    }
    return 0;
}

int fd_bits_select(const struct fd_bits *in, struct fd_bits *out, int nfds, fd_poll_fn poll)
{
    int n = 0;
    for (int w = 0; w < FD_BITS_WORDS; w++)
        out->set[0][w] = out->set[1][w] = out->set[2][w] = 0;
    for (int w = 0; w * 64 < nfds; w++) {
        uint64_t bits = asked(in, w) & below(nfds, w);
        for (int b = 0; bits; b++, bits >>= 1) {
            if (!(bits & 1))
                continue;
            int64_t mask = poll(w * 64 + b);
            if (mask < 0)
                continue;              /* closed meanwhile: Linux skips it */
            for (int s = 0; s < 3; s++) {
                if ((in->set[s][w] >> b & 1) && (mask & wanted[s])) {
                    out->set[s][w] |= 1ull << b;
                    n++;
                }
            }
        }
    }
    return n;
}
