/* The kernel words net-selftest and net-connect-test.  net-selftest: a TCP
 * connection through lwIP's loopback interface, entirely inside the
 * kernel: a client sends SELFTEST_BYTES of a known pattern, the server
 * checks every byte, then answers with the count, the client checks the
 * answer.  Proves the port (memory, timers, checksums, the critical
 * section).  net-connect-test=A.B.C.D:PORT: the same client, through the
 * network card, to a server outside that checks the bytes and answers the
 * same way (tests/guest/net-card.test runs one on the host). */
#include "net/net.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/netif.h"
#include "drivers/clock.h"
#include "lib/format.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define SELFTEST_PORT 7
#define SELFTEST_BYTES (1u << 20)
#define SELFTEST_LIMIT_NS 20000000000ull

static struct {
    struct tcp_pcb *listener, *server, *client;
    uint32_t sent, received, bad_at;      /* bad_at: first wrong byte + 1 */
    char reply[32];
    size_t reply_len;
    bool failed, server_closed;
    const char *why;
} st;

static uint8_t pattern(uint32_t i)
{
    return (uint8_t)(i * 7 + 3 + (i >> 11));
}

static void fail(const char *why)
{
    if (!st.failed)
        st.why = why;
    st.failed = true;
}

/* The server: check each byte; at the client's end, answer the count. */
static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !p) {
        char line[32];
        int n = snprintf(line, sizeof(line), "got %u", st.received);
        if (tcp_write(pcb, line, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            fail("the server could not answer");
        tcp_output(pcb);
        tcp_close(pcb);
        st.server_closed = true;
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    for (struct pbuf *q = p; q; q = q->next) {
        const uint8_t *b = q->payload;
        for (u16_t i = 0; i < q->len; i++, st.received++)
            if (b[i] != pattern(st.received) && !st.bad_at)
                st.bad_at = st.received + 1;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    st.server = pcb;
    tcp_recv(pcb, server_recv);
    return ERR_OK;
}

/* The client: send as the window allows, close when all is out. */
static void client_push(struct tcp_pcb *pcb)
{
    static uint8_t chunk[4096];
    while (st.sent < SELFTEST_BYTES && tcp_sndbuf(pcb) > 0) {
        u16_t n = tcp_sndbuf(pcb);
        if (n > sizeof(chunk))
            n = sizeof(chunk);
        if (n > SELFTEST_BYTES - st.sent)
            n = (u16_t)(SELFTEST_BYTES - st.sent);
        for (u16_t i = 0; i < n; i++)
            chunk[i] = pattern(st.sent + i);
        if (tcp_write(pcb, chunk, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;                  /* the queue is full: tcp_sent calls again */
        st.sent += n;
    }
    tcp_output(pcb);
    if (st.sent == SELFTEST_BYTES)
        tcp_shutdown(pcb, 0, 1);
}

static err_t client_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)len;
    if (st.sent < SELFTEST_BYTES)
        client_push(pcb);
    return ERR_OK;
}

static err_t client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return err;
    if (!p) {
        tcp_close(pcb);
        st.client = NULL;
        return ERR_OK;
    }
    size_t room = sizeof(st.reply) - 1 - st.reply_len;
    st.reply_len += pbuf_copy_partial(p, st.reply + st.reply_len,
                                      (u16_t)(p->tot_len < room ? p->tot_len : room), 0);
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK) {
        fail("the connection was refused");
        return err;
    }
    client_push(pcb);
    return ERR_OK;
}

static void client_error(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    st.client = NULL;
    fail("the connection was reset");
}

static bool start_server(u16_t port)
{
    st.listener = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!st.listener || tcp_bind(st.listener, IP4_ADDR_ANY, port) != ERR_OK)
        return false;
    st.listener = tcp_listen(st.listener);
    if (!st.listener)
        return false;
    tcp_accept(st.listener, server_accept);
    return true;
}

static bool start_client(const ip_addr_t *to, u16_t port)
{
    st.client = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!st.client)
        return false;
    tcp_sent(st.client, client_sent);
    tcp_recv(st.client, client_recv);
    tcp_err(st.client, client_error);
    return tcp_connect(st.client, to, port, client_connected) == ERR_OK;
}

/* Runs lwIP until the client is done (and the local server, if any). */
static uint64_t run(bool local_server)
{
    uint64_t t0 = clock_monotonic_ns();
    while (!st.failed && (st.client || (local_server && !st.server_closed))) {
        net_poll();
        if (clock_monotonic_ns() - t0 > SELFTEST_LIMIT_NS)
            fail("timed out");
    }
    if (st.client) {
        tcp_abort(st.client);
        st.client = NULL;
    }
    return (clock_monotonic_ns() - t0) / 1000000;
}

/* The verdict, logged: what the server counted must be what was sent, and
 * the client must have read the server's count (where they are ours). */
enum side { BOTH, CLIENT, SERVER };

static bool verdict(const char *what, enum side ours, uint64_t ms)
{
    char want[32];
    snprintf(want, sizeof(want), "got %u", SELFTEST_BYTES);
    if (!st.failed && st.bad_at)
        fail("a byte arrived wrong");
    if (!st.failed && ours != CLIENT && st.received != SELFTEST_BYTES)
        fail("the server did not receive what was sent");
    if (!st.failed && ours != SERVER &&
        (st.reply_len != strlen(want) || memcmp(st.reply, want, st.reply_len) != 0))
        fail("the server's count is not what was sent");
    if (st.failed) {
        klog("net: %s FAILED: %s (sent %u, received %u, first wrong byte %u, reply \"%.*s\")",
             what, st.why, st.sent, st.received, st.bad_at, (int)st.reply_len, st.reply);
        return false;
    }
    klog("net: %s ok: %u bytes over TCP in %lu ms, answer \"%s\"", what, SELFTEST_BYTES, ms,
         want);
    return true;
}

bool net_selftest(void)
{
    net_init();
    memset(&st, 0, sizeof(st));
    ip_addr_t loop;
    IP_ADDR4(&loop, 127, 0, 0, 1);
    if (!start_server(SELFTEST_PORT) || !start_client(&loop, SELFTEST_PORT))
        fail("could not set up the connection (out of memory?)");
    uint64_t ms = run(true);
    if (st.listener)
        tcp_close(st.listener);
    return verdict("selftest through lwIP's loopback", BOTH, ms);
}

/* The cards up with DHCP; false (logged) if there is none or no address. */
static bool cards_up(const char *what)
{
    if (net_up_cards() == 0) {
        klog("net: %s FAILED: no network card", what);
        return false;
    }
    return net_wait_address(15000000000ull);
}

/* "A.B.C.D:PORT" -> address and port; false if it is not that. */
static bool parse_where(const char *s, ip_addr_t *ip, u16_t *port)
{
    unsigned v[5] = { 0 }, part = 0;
    bool digit = false;
    for (; *s && part < 5; s++) {
        if (*s >= '0' && *s <= '9') {
            v[part] = v[part] * 10 + (unsigned)(*s - '0');
            digit = true;
            if (v[part] > 65535)
                return false;
        } else if (digit && ((*s == '.' && part < 3) || (*s == ':' && part == 3))) {
            part++;
            digit = false;
        } else {
            return false;
        }
    }
    if (*s || part != 4 || !digit || v[4] == 0)
        return false;
    for (int i = 0; i < 4; i++)
        if (v[i] > 255)
            return false;
    IP_ADDR4(ip, v[0], v[1], v[2], v[3]);
    *port = (u16_t)v[4];
    return true;
}

bool net_connect_test(const char *where)
{
    ip_addr_t to;
    u16_t port;
    memset(&st, 0, sizeof(st));
    if (!parse_where(where, &to, &port)) {
        klog("net: net-connect-test=%s: not A.B.C.D:PORT", where);
        return false;
    }
    if (!cards_up("connect test"))
        return false;
    if (!start_client(&to, port))
        fail("could not set up the connection (out of memory?)");
    uint64_t ms = run(false);
    return verdict("connect test", CLIENT, ms);
}

bool net_listen_test(const char *port_word)
{
    unsigned port = 0;
    memset(&st, 0, sizeof(st));
    for (const char *p = port_word; *p; p++) {
        if (*p < '0' || *p > '9' || (port = port * 10 + (unsigned)(*p - '0')) > 65535) {
            port = 0;
            break;
        }
    }
    if (port == 0) {
        klog("net: net-listen-test=%s: not a port (1-65535)", port_word);
        return false;
    }
    if (!cards_up("listen test"))
        return false;
    if (!start_server((u16_t)port))
        fail("could not listen (out of memory, or the port is taken?)");
    else
        klog("net: listen test: listening on TCP port %u", port);
    uint64_t ms = run(true);
    if (st.listener)
        tcp_close(st.listener);
    return verdict("listen test", SERVER, ms);
}
