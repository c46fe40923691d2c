/* lwIP's options for the cloak kernel.  NO_SYS: lwIP runs without threads
 * of its own; the kernel calls into it (input, timers) and serialises the
 * calls itself.  Memory from the kernel heap; randomness (ISNs, ports)
 * from the kernel's CSPRNG. */
#ifndef NET_PORT_LWIPOPTS_H
#define NET_PORT_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

/* Memory: lwIP's pools and heap from kmalloc. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define mem_clib_malloc net_port_malloc
#define mem_clib_free net_port_free
#define mem_clib_calloc net_port_calloc
#include <stddef.h>
void *net_port_malloc(size_t size);
void net_port_free(void *p);
void *net_port_calloc(size_t n, size_t size);

/* Protocols. */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define IPV6_FRAG_COPYHEADER 1  /* 64-bit pointers do not fit in the fragment header */
#define LWIP_TCP 1
#define LWIP_UDP 1
#define LWIP_ICMP 1
#define LWIP_RAW 1              /* net/icmp_error.c watches ICMP errors through a raw pcb */
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0   /* a VM's DHCP server is authoritative: no 1 s ARP probe */
#define LWIP_AUTOIP 0
#define LWIP_DNS 0              /* the program's own resolver asks the name servers */
#define LWIP_IGMP 0
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0

/* TCP sized for throughput.  The receive window: 256 KiB, announced with
 * window scaling (RFC 7323; shift 3, so up to 512 KiB) to peers that offer
 * it (a tap's host does; QEMU's user network does not, and stays at 64
 * KiB).  What it costs: a socket holds at most twice the window unread
 * (net/socket_tcp.c, as Linux's buffer exceeds its window), so a stalled
 * reader pins up to 512 KiB of pbufs: a few busy connections fit a 64 MiB
 * guest, thousands of stalled ones would not (nor would they on Linux at
 * its default rmem).  The send buffer stays below 64 KiB: lwIP's
 * tcp_write takes a 16-bit length, and the socket code hands it at most
 * what tcp_sndbuf says. */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (44 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1
/* Initial sequence numbers from the CSPRNG (lwIP's own are a counter an
 * observer can predict); the first ephemeral port too (LWIP_RAND). */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) net_port_rand()
#define LWIP_TCP_KEEPALIVE 1
#define SO_REUSE 1              /* SO_REUSEADDR: rebind a port in TIME_WAIT */
#define MEMP_NUM_TCP_PCB 64
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_UDP_PCB 16
#define PBUF_POOL_SIZE 256

/* Per-interface checksum flags: net/netif_rx.c skips the TCP/UDP check
 * of one packet whose checksum the card vouched for. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define LWIP_STATS 0
#define LWIP_DEBUG 0
#define LWIP_PROVIDE_ERRNO 0
/* The Internet checksum of every segment in and out: 32-bit words added
 * into a 64-bit sum, no carry to test per word (lwIP's algorithm 3 tests
 * two per 8 bytes); folded at the end (2^16 = 1 modulo 0xffff, so the
 * 32-bit words' sum folds to the 16-bit words' sum).  Loads need no
 * alignment on x86: the words are those at even offsets from dataptr, as
 * lwIP's own routine sums them; a last odd byte is the low half of its
 * word (little-endian). */
#include <stdint.h>
typedef uint32_t __attribute__((aligned(1), may_alias)) net_chksum_u32;
typedef uint16_t __attribute__((aligned(1), may_alias)) net_chksum_u16;
static inline uint16_t net_port_chksum(const void *dataptr, int len)
{
    const uint8_t *p = dataptr;
    uint64_t sum = 0;
    for (; len >= 16; p += 16, len -= 16)
        sum += (uint64_t)((const net_chksum_u32 *)p)[0] + ((const net_chksum_u32 *)p)[1] +
               ((const net_chksum_u32 *)p)[2] + ((const net_chksum_u32 *)p)[3];
    for (; len >= 4; p += 4, len -= 4)
        sum += *(const net_chksum_u32 *)p;
    if (len >= 2) {
        sum += *(const net_chksum_u16 *)p;
        p += 2;
        len -= 2;
    }
    if (len)
        sum += *p;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}
#define LWIP_CHKSUM net_port_chksum

#endif
