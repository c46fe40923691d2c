/* TCP_INFO and TCP_CONGESTION (net/socket.h): what lwIP knows of a
 * connection, in Linux's struct tcp_info, and the one congestion control
 * lwIP has (Reno: slow start, congestion avoidance, fast retransmit and
 * recovery, in tcp_in.c).
 *
 * Round-trip times: lwIP's own estimator (sa/sv) counts in 500 ms ticks,
 * so every RTT under half a second reads 0 in it.  This file times sends
 * itself on the kernel's clock, as Linux does in microseconds: one
 * sample in flight at a time, from a send (or the SYN) to the ACK that
 * covers it, none while lwIP is recovering a loss (Karn's rule: an ACK
 * for retransmitted data proves nothing), smoothed as RFC 6298 says.
 * Until the first sample, lwIP's estimator is reported. */
#include "net/socket_int.h"
#include "lwip/tcp.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "drivers/clock.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Linux's struct tcp_info (uapi <linux/tcp.h>) up to tcpi_rehash. */
struct linux_tcp_info {
    uint8_t state, ca_state, retransmits, probes, backoff, options;
    uint8_t wscale;                       /* snd_wscale : 4, rcv_wscale : 4 */
    uint8_t app_limited;
    uint32_t rto, ato, snd_mss, rcv_mss;
    uint32_t unacked, sacked, lost, retrans, fackets;
    uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    uint32_t rcv_rtt, rcv_space, total_retrans;
    uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
    uint32_t delivered, delivered_ce;
    uint64_t bytes_sent, bytes_retrans;
    uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd, rcv_wnd, rehash;
};
_Static_assert(sizeof(struct linux_tcp_info) == 240, "Linux's tcp_info layout");

/* Linux's TCP_* states (include/net/tcp_states.h) for lwIP's. */
static uint8_t linux_state(const struct net_sock *s, const struct tcp_pcb *pcb)
{
    static const uint8_t map[] = {
        [CLOSED] = 7, [LISTEN] = 10, [SYN_SENT] = 2, [SYN_RCVD] = 3, [ESTABLISHED] = 1,
        [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8, [CLOSING] = 11, [LAST_ACK] = 9,
        [TIME_WAIT] = 6,
    };
    if (s->state == TS_LISTEN)
        return 10;
    if (!pcb || (unsigned)pcb->state >= sizeof(map))
        return 7;                         /* TCP_CLOSE: new, or gone (reset, closed) */
    return map[pcb->state];
}

static uint32_t ms_since(uint64_t then_ns, uint64_t now_ns)
{
    if (!then_ns)
        return 0;
    uint64_t ms = (now_ns - then_ns) / 1000000;
    return ms > 0xffffffffu ? 0xffffffffu : (uint32_t)ms;
}

static uint32_t ticks_us(int32_t ticks)
{
    return ticks <= 0 ? 0 : (uint32_t)ticks * TCP_SLOW_INTERVAL * 1000u;
}

static void add_sample(struct tcp_timing *t, uint64_t rtt_ns)
{
    uint64_t r = rtt_ns / 1000;
    if (r == 0)
        r = 1;                            /* Linux's floor: a sample is at least 1 us */
    if (r > 0xffffffffu)
        return;
    if (!t->srtt_us) {
        t->srtt_us = (uint32_t)r;
        t->rttvar_us = (uint32_t)(r / 2);
    } else {
        uint32_t d = t->srtt_us > r ? t->srtt_us - (uint32_t)r : (uint32_t)r - t->srtt_us;
        t->rttvar_us = (3 * t->rttvar_us + d) / 4;
        t->srtt_us = (uint32_t)((7ull * t->srtt_us + r) / 8);
    }
    if (!t->min_rtt_us || r < t->min_rtt_us)
        t->min_rtt_us = (uint32_t)r;
}

void tcp_info_started(struct net_sock *s, uint32_t seq)
{
    struct tcp_timing *t = &s->timing;
    if (t->timing)
        return;
    t->timing = true;
    t->seq = seq;
    t->sent_ns = clock_monotonic_ns();
}

void tcp_info_wrote(struct net_sock *s, struct tcp_pcb *pcb, uint32_t nxt_before)
{
    s->timing.last_sent_ns = clock_monotonic_ns();
    if (pcb->snd_nxt != nxt_before && !(pcb->flags & (TF_INFR | TF_RTO)) && !pcb->nrtx)
        tcp_info_started(s, pcb->snd_nxt);
}

void tcp_info_acked(struct net_sock *s, struct tcp_pcb *pcb, uint32_t len)
{
    struct tcp_timing *t = &s->timing;
    uint64_t now = clock_monotonic_ns();
    t->bytes_acked += len;
    t->last_ack_ns = now;
    if (!t->timing || !TCP_SEQ_GEQ(pcb->lastack, t->seq))
        return;
    t->timing = false;
    if (!(pcb->flags & (TF_INFR | TF_RTO)))
        add_sample(t, now - t->sent_ns);
}

void tcp_info_connected(struct net_sock *s)
{
    struct tcp_timing *t = &s->timing;
    if (t->timing)
        add_sample(t, clock_monotonic_ns() - t->sent_ns);
    t->timing = false;
}

void tcp_info_received(struct net_sock *s, uint32_t len)
{
    s->timing.bytes_received += len;
    s->timing.last_recv_ns = clock_monotonic_ns();
}

static void fill_pcb(struct linux_tcp_info *i, const struct net_sock *s, struct tcp_pcb *pcb)
{
    const struct tcp_timing *t = &s->timing;
    uint32_t mss = pcb->mss ? pcb->mss : TCP_MSS;
    i->ca_state = pcb->flags & TF_RTO ? 4 : pcb->flags & TF_INFR ? 3 : 0; /* Loss, Recovery, Open */
    i->retransmits = pcb->nrtx;          /* consecutive timeouts, as Linux's */
    i->probes = pcb->persist_probe ? pcb->persist_probe : pcb->keep_cnt_sent;
    i->backoff = pcb->nrtx;              /* lwIP backs the RTO off once per timeout */
#if LWIP_WND_SCALE
    if (pcb->flags & TF_WND_SCALE) {
        i->options |= 4;                 /* TCPI_OPT_WSCALE */
        i->wscale = (uint8_t)((pcb->snd_scale & 15) | (pcb->rcv_scale & 15) << 4);
    }
#endif
    i->rto = ticks_us(pcb->rto);
    i->ato = TCP_FAST_INTERVAL * 1000;   /* a delayed ACK waits for the next fast timer */
    i->snd_mss = mss;
    i->rcv_mss = mss;                    /* lwIP keeps one MSS for both directions */
    for (struct tcp_seg *seg = pcb->unacked; seg; seg = seg->next)
        i->unacked++;
    i->last_data_sent = ms_since(t->last_sent_ns, clock_monotonic_ns());
    i->last_data_recv = ms_since(t->last_recv_ns, clock_monotonic_ns());
    i->last_ack_recv = ms_since(t->last_ack_ns, clock_monotonic_ns());
    struct netif *n = netif_get_by_index(pcb->netif_idx);
    i->pmtu = n && n->mtu ? n->mtu : 1500;
    i->rcv_ssthresh = TCP_WND;
    if (t->srtt_us) {
        i->rtt = t->srtt_us;
        i->rttvar = t->rttvar_us;
    } else {
        i->rtt = ticks_us(pcb->sa >> 3);
        i->rttvar = ticks_us(pcb->sv >> 2);
    }
    i->snd_ssthresh = pcb->ssthresh / mss;
    i->snd_cwnd = pcb->cwnd / mss ? pcb->cwnd / mss : 1;   /* Linux counts segments */
    i->advmss = TCP_MSS;
    i->reordering = 3;                   /* lwIP's fast retransmit: the third duplicate ACK */
    i->rcv_space = pcb->rcv_wnd;
    i->bytes_acked = t->bytes_acked;
    i->bytes_received = t->bytes_received;
    i->notsent_bytes = pcb->snd_lbb - pcb->snd_nxt;
    i->min_rtt = t->min_rtt_us;
    i->bytes_sent = t->bytes_acked + (uint32_t)(pcb->snd_nxt - pcb->lastack);
    i->snd_wnd = pcb->snd_wnd;
    i->rcv_wnd = pcb->rcv_ann_wnd;
}

/* Left zero, lwIP having no notion of them: sacked, lost, fackets, retrans
 * and total_retrans, bytes_retrans (no SACK scoreboard, no retransmission
 * counters), last_ack_sent (Linux neither), rcv_rtt (no receiver-side
 * estimate), pacing_rate (lwIP does not pace: max_pacing_rate is Linux's
 * "no limit"), segs_in/out and data_segs_in/out, delivery_rate,
 * delivered(_ce), busy_time, rwnd_limited, sndbuf_limited, dsack_dups,
 * reord_seen, rcv_ooopack, rehash; options other than window scaling
 * (no timestamps, SACK or ECN). */
size_t net_sock_tcp_info(struct net_sock *s, void *out, size_t room)
{
    struct linux_tcp_info i;
    memset(&i, 0, sizeof(i));
    struct tcp_pcb *pcb = s->state == TS_LISTEN ? NULL : s->pcb.tcp;
    i.state = linux_state(s, pcb);
    i.max_pacing_rate = ~0ull;
    if (pcb)                              /* a listener's pcb is a smaller struct */
        fill_pcb(&i, s, pcb);
    size_t n = room < sizeof(i) ? room : sizeof(i);
    memcpy(out, &i, n);
    return n;
}

int net_sock_set_congestion(struct net_sock *s, const char *name)
{
    (void)s;
    return strcmp(name, "reno") == 0 ? 0 : -ENOENT;
}

const char *net_sock_congestion(struct net_sock *s)
{
    (void)s;
    return "reno";
}

int net_sock_mss(struct net_sock *s)
{
    struct tcp_pcb *pcb = s->type == NET_SOCK_STREAM && s->state != TS_LISTEN ? s->pcb.tcp : NULL;
    return pcb && s->state == TS_CONNECTED ? pcb->mss : 536;
}
