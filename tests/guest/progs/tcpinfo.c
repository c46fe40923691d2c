/* getsockopt TCP_INFO, TCP_CONGESTION and TCP_MAXSEG over a loopback TCP
 * connection that carries 256 KiB each way.  Prints what must mean the
 * same on Linux and in cloak (not the figures themselves: a loopback MSS
 * or RTT differs between stacks), one line a check, so that the test can
 * compare the output with this host's. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BYTES (256 * 1024)

/* Linux's struct tcp_info (uapi <linux/tcp.h>) up to tcpi_snd_wnd: libc
 * headers have older, shorter copies. */
struct tcp_info_linux {
    uint8_t tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes, tcpi_backoff, tcpi_options;
    uint8_t tcpi_wscale, tcpi_flags;
    uint32_t tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;
    uint32_t tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans, tcpi_fackets;
    uint32_t tcpi_last_data_sent, tcpi_last_ack_sent, tcpi_last_data_recv, tcpi_last_ack_recv;
    uint32_t tcpi_pmtu, tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar, tcpi_snd_ssthresh, tcpi_snd_cwnd;
    uint32_t tcpi_advmss, tcpi_reordering, tcpi_rcv_rtt, tcpi_rcv_space, tcpi_total_retrans;
    uint64_t tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked, tcpi_bytes_received;
    uint32_t tcpi_segs_out, tcpi_segs_in, tcpi_notsent_bytes, tcpi_min_rtt, tcpi_data_segs_in;
    uint32_t tcpi_data_segs_out;
    uint64_t tcpi_delivery_rate, tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited;
    uint32_t tcpi_delivered, tcpi_delivered_ce;
    uint64_t tcpi_bytes_sent, tcpi_bytes_retrans;
    uint32_t tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack, tcpi_snd_wnd;
};

static int failures;

static void check(int cond, const char *what)
{
    printf("%s: %s\n", cond ? "ok" : "FAIL", what);
    if (!cond)
        failures++;
}

static void die(const char *what)
{
    printf("FAIL: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void transfer(int fd, int sending)
{
    static char buf[65536];
    size_t done = 0;
    memset(buf, 'x', sizeof(buf));
    while (done < BYTES) {
        ssize_t n = sending ? write(fd, buf, BYTES - done < sizeof(buf) ? BYTES - done : sizeof(buf))
                            : read(fd, buf, sizeof(buf));
        if (n <= 0)
            die(sending ? "write" : "read");
        done += (size_t)n;
    }
}

static int info(int fd, struct tcp_info_linux *ti)
{
    socklen_t len = sizeof(*ti);
    memset(ti, 0, sizeof(*ti));
    return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

static void *server(void *arg)
{
    int l = *(int *)arg, c = accept(l, NULL, NULL);
    if (c < 0)
        die("accept");
    transfer(c, 0);
    transfer(c, 1);
    char ack;
    if (read(c, &ack, 1) != 1)          /* the client has read everything */
        die("read ack");
    struct tcp_info_linux ti;
    check(info(c, &ti) == 0, "TCP_INFO on the accepted socket");
    check(ti.tcpi_state == TCP_ESTABLISHED, "accepted socket: state ESTABLISHED");
    check(ti.tcpi_bytes_received >= BYTES, "accepted socket: bytes_received counts what came");
    check(ti.tcpi_bytes_acked >= BYTES, "accepted socket: bytes_acked counts what the peer took");
    check(ti.tcpi_rtt > 0, "accepted socket: rtt > 0 after traffic");
    check(ti.tcpi_unacked == 0, "accepted socket: nothing unacknowledged");
    close(c);
    return NULL;
}

static void optlen_checks(int fd)
{
    unsigned char buf[1024];
    socklen_t len = 8;
    memset(buf, 0xaa, sizeof(buf));
    check(getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == 0 && len == 8,
          "optlen 8: 8 bytes reported");
    check(buf[0] == TCP_ESTABLISHED && buf[8] == 0xaa, "optlen 8: the first 8 bytes, nothing past");
    len = 0;
    check(getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == 0 && len == 0, "optlen 0: 0 bytes");
    len = sizeof(buf);
    check(getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == 0 &&
          len >= sizeof(struct tcp_info_linux) && len < sizeof(buf),
          "optlen past the struct: cut to the kernel's struct tcp_info");
    len = (socklen_t)-1;
    errno = 0;
    check(getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == -1 && errno == EINVAL,
          "optlen negative: EINVAL");
}

static void congestion_checks(int fd)
{
    char name[16] = { 0 };
    socklen_t len = sizeof(name);
    check(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) == 0 && len == 16 && name[0],
          "TCP_CONGESTION: a name, 16 bytes");
    check(setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4) == 0, "TCP_CONGESTION reno set");
    memset(name, 0, sizeof(name));
    len = sizeof(name);
    check(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) == 0 && strcmp(name, "reno") == 0,
          "TCP_CONGESTION reads reno back");
    errno = 0;
    check(setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "no-such-algo", 12) == -1 && errno == ENOENT,
          "TCP_CONGESTION of an unknown algorithm: ENOENT");
    errno = 0;
    check(setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 0) == -1 && errno == EINVAL,
          "TCP_CONGESTION with length 0: EINVAL");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int l = socket(AF_INET, SOCK_STREAM, 0), fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof(a);
    if (l < 0 || fd < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
        getsockname(l, (struct sockaddr *)&a, &alen))
        die("listen");
    struct tcp_info_linux ti;
    check(info(fd, &ti) == 0 && ti.tcpi_state == TCP_CLOSE, "new socket: state CLOSE");
    check(info(l, &ti) == 0 && ti.tcpi_state == TCP_LISTEN, "listener: state LISTEN");
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    socklen_t len = sizeof(ti);
    errno = 0;
    check(getsockopt(udp, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 && errno == EOPNOTSUPP,
          "UDP socket: TCP_INFO is EOPNOTSUPP");
    pthread_t t;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
        die("connect");
    pthread_create(&t, NULL, server, &l);
    transfer(fd, 1);
    transfer(fd, 0);
    check(info(fd, &ti) == 0, "TCP_INFO on the connected socket");
    check(ti.tcpi_state == TCP_ESTABLISHED, "connected socket: state ESTABLISHED");
    check(ti.tcpi_snd_mss >= 536 && ti.tcpi_snd_mss <= 65535, "snd_mss between 536 and 65535");
    check(ti.tcpi_rcv_mss >= 536 && ti.tcpi_rcv_mss <= 65535, "rcv_mss between 536 and 65535");
    check(ti.tcpi_advmss >= 536 && ti.tcpi_advmss <= 65535, "advmss between 536 and 65535");
    check(ti.tcpi_snd_cwnd > 0, "snd_cwnd > 0");
    check(ti.tcpi_snd_ssthresh > 0, "snd_ssthresh > 0");
    check(ti.tcpi_rtt > 0 && ti.tcpi_rtt < 2000000, "rtt > 0 (and under 2 s) after traffic");
    check(ti.tcpi_rto >= 200000, "rto >= 200 ms");
    check(ti.tcpi_unacked == 0, "nothing unacknowledged once the answer is read");
    check(ti.tcpi_bytes_acked >= BYTES, "bytes_acked counts what the peer took");
    check(ti.tcpi_bytes_received >= BYTES, "bytes_received counts what came");
    check(ti.tcpi_rcv_space > 0, "rcv_space > 0");
    check(ti.tcpi_snd_wnd > 0, "snd_wnd (the peer's window) > 0");
    check(ti.tcpi_pmtu >= 576, "pmtu >= 576");
    check(ti.tcpi_notsent_bytes == 0, "notsent_bytes 0 when all is sent");
    int mss = 0;
    len = sizeof(mss);
    check(getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len) == 0 && mss >= 536 &&
          (unsigned)mss <= ti.tcpi_snd_mss + 12, "TCP_MAXSEG: the connection's MSS");
    optlen_checks(fd);
    congestion_checks(fd);
    if (write(fd, "k", 1) != 1)
        die("write ack");
    pthread_join(t, NULL);
    close(fd);
    close(l);
    printf("%s\n", failures ? "some checks failed" : "all checks passed");
    return failures != 0;
}
