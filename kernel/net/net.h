/* The TCP/IP stack (lwIP, built from Debian's source: net/lwip.mk) and its
 * glue.  Knows no system call: unix/ calls down into it. */
#ifndef NET_NET_H
#define NET_NET_H
#include <stdbool.h>
#include <stdint.h>

/* Starts lwIP (once): its loopback interface answers 127.0.0.1. */
void net_init(void);
/* The kernel words net-ip, net-netmask (default 255.255.255.0),
 * net-gateway and net-ip6 (NULL when not given): the first card gets these
 * addresses, and no DHCP when net-ip is given; a bad value is logged and
 * ignored.  Before net_up_cards. */
void net_set_static(const char *ip, const char *netmask, const char *gateway, const char *ip6);
/* Makes an lwIP interface of every network card not yet seen, starts
 * DHCP on it; the number of interfaces. */
unsigned net_up_cards(void);
/* Polls the cards, the loopback interface and lwIP's timers once. */
void net_poll(void);
/* Every card interrupts when frames arrive (no clock polling needed). */
bool net_cards_interrupt(void);
/* Receive interrupts back on after a poll; true if frames came meanwhile. */
bool net_cards_rearm(void);
/* Sends what the cards' transmit backlogs hold, as far as they take;
 * true if frames still wait (net/netif_tx.c). */
bool net_cards_drain(void);
/* From a card's interrupt handler: the network thread looks at once. */
void net_wakeup(void);
/* Polls until the first card has a DHCP address (logged), or timeout_ns. */
bool net_wait_address(uint64_t timeout_ns);
/* Kernel word net-connect-test=A.B.C.D:PORT: brings the cards up, then
 * sends 1 MiB of the self-test pattern to a TCP server there, which must
 * answer "got 1048576"; logs the outcome. */
bool net_connect_test(const char *where);
/* Kernel word net-listen-test=PORT: brings the cards up, listens on PORT,
 * takes one connection, checks that it carries 1 MiB of the pattern and
 * answers "got 1048576"; logs the outcome (the host reaches it through a
 * forwarded port: cloak run -p). */
bool net_listen_test(const char *port);

/* At boot, with a network card: the cards up, the network thread
 * started, and up to NET_BOOT_DHCP_MS for a DHCP address (so that a
 * program that connects out at once finds a route); nothing without. */
void net_boot(void);
#define NET_BOOT_DHCP_MS 5000
/* At the program's exit, before the VM stops: lwIP keeps sending what
 * closed (and open) connections still owe their peers, their data and
 * FINs, until the peers acknowledged it or limit_ns passed (as Linux's
 * sockets outlive the process that wrote to them). */
void net_flush(uint64_t limit_ns);
#define NET_FLUSH_NS 3000000000ull

/* Kernel word net-selftest: TCP through lwIP's loopback interface inside
 * the kernel; logs the outcome ("net: selftest ok: ..."), true if it held. */
bool net_selftest(void);

#endif
