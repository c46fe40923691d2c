/* net/rx_check.c: a received frame's headers against its card's claims
 * (large segments, vouched-for checksums), on hand-made frames. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "net/rx_check.h"

static uint8_t frame[NET_RX_HEADERS_MAX + 64];

/* An Ethernet frame with an IPv4 (v6 false) or IPv6 header of protocol
 * PROTO and a TCP header (data offset 5) with `data` bytes after it;
 * returns the frame's length. */
static size_t make(bool v6, uint8_t proto, size_t data)
{
    memset(frame, 0, sizeof(frame));
    uint8_t *q = frame + 14;
    size_t l4len = 20 + data, len;
    if (!v6) {
        frame[12] = 0x08, frame[13] = 0x00;
        q[0] = 0x45;
        q[2] = (uint8_t)((20 + l4len) >> 8), q[3] = (uint8_t)(20 + l4len);
        q[9] = proto;
        q[20 + 12] = 5 << 4;
        len = 14 + 20 + l4len;
    } else {
        frame[12] = 0x86, frame[13] = 0xdd;
        q[0] = 0x60;
        q[4] = (uint8_t)(l4len >> 8), q[5] = (uint8_t)l4len;
        q[6] = proto;
        q[40 + 12] = 5 << 4;
        len = 14 + 40 + l4len;
    }
    return len;
}

static struct net_rx_verdict check(size_t len, enum nic_csum csum, enum nic_gso gso)
{
    struct nic_frame f = { .len = len, .csum = csum, .gso = gso, .gso_size = 1448 };
    size_t hn = len < NET_RX_HEADERS_MAX ? len : NET_RX_HEADERS_MAX;
    return net_rx_check(&f, frame, hn);
}

static void test_good_segments(void **state)
{
    (void)state;
    struct net_rx_verdict v = check(make(false, 6, 60000), NIC_CSUM_TRUSTED, NIC_GSO_TCP4);
    assert_null(v.refused);
    assert_true(v.skip_tcp);
    assert_false(v.skip_udp);
    v = check(make(true, 6, 60000), NIC_CSUM_TRUSTED, NIC_GSO_TCP6);
    assert_null(v.refused);
    assert_true(v.skip_tcp);
    /* a segment with no checksum claim: taken, its checksum checked */
    v = check(make(false, 6, 3000), NIC_CSUM_CHECK, NIC_GSO_TCP4);
    assert_null(v.refused);
    assert_false(v.skip_tcp);
}

static void test_refused_segments(void **state)
{
    (void)state;
    size_t len = make(false, 6, 5000);
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP6).refused,
                        "not the IP version its GSO type says");
    len = make(true, 6, 5000);
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "not the IP version its GSO type says");
    len = make(false, 17, 5000);
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "not an unfragmented TCP segment");
    len = make(false, 6, 5000);
    frame[14 + 6] = 0x20;                          /* more fragments */
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "not an unfragmented TCP segment");
    len = make(true, 44, 5000);                    /* an IPv6 fragment header */
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP6).refused,
                        "not an unfragmented TCP segment");
    len = make(false, 6, 5000);
    assert_string_equal(check(len + 1, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "an IP length other than the frame's");
    assert_string_equal(check(len - 1, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "an IP length other than the frame's");
    len = make(false, 6, 5000);
    frame[14 + 20 + 12] = 4 << 4;                  /* a data offset below 5 */
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused, "no TCP header");
    len = make(false, 6, 0);
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "no data after the TCP header");
    len = make(false, 6, 5000);
    frame[14 + 20 + 12] = 15 << 4;                 /* options past the data */
    frame[14 + 2] = 0, frame[14 + 3] = 70;         /* IP length 70: header 20 + TCP 60 > 70 */
    assert_string_equal(check(14 + 70, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "no data after the TCP header");
    len = make(false, 6, 5000);
    frame[12] = 0x81, frame[13] = 0x00;            /* a VLAN tag: not IP */
    assert_string_equal(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused,
                        "not the IP version its GSO type says");
    len = make(false, 6, 5000);
    frame[14] = 0x44;                              /* IHL 4 */
    assert_non_null(check(len, NIC_CSUM_TRUSTED, NIC_GSO_TCP4).refused);
    /* headers cut short (a frame of 20 bytes) */
    make(false, 6, 5000);
    struct nic_frame f = { .len = 20, .csum = NIC_CSUM_TRUSTED, .gso = NIC_GSO_TCP4 };
    assert_non_null(net_rx_check(&f, frame, 20).refused);
}

static void test_checksum_skips(void **state)
{
    (void)state;
    struct net_rx_verdict v = check(make(false, 17, 100), NIC_CSUM_TRUSTED, NIC_GSO_NONE);
    assert_null(v.refused);
    assert_true(v.skip_udp);
    assert_false(v.skip_tcp);
    v = check(make(true, 17, 100), NIC_CSUM_TRUSTED, NIC_GSO_NONE);
    assert_true(v.skip_udp);
    /* nothing claimed: nothing skipped */
    v = check(make(false, 6, 100), NIC_CSUM_CHECK, NIC_GSO_NONE);
    assert_false(v.skip_tcp || v.skip_udp);
    /* a fragment: its checksum is the whole datagram's */
    size_t len = make(false, 17, 100);
    frame[14 + 7] = 1;                             /* fragment offset 8 */
    v = check(len, NIC_CSUM_TRUSTED, NIC_GSO_NONE);
    assert_false(v.skip_udp || v.skip_tcp);
    v = check(make(true, 44, 100), NIC_CSUM_TRUSTED, NIC_GSO_NONE);
    assert_false(v.skip_udp || v.skip_tcp);
    /* ICMP and anything not IP keep their checks */
    v = check(make(false, 1, 100), NIC_CSUM_TRUSTED, NIC_GSO_NONE);
    assert_false(v.skip_udp || v.skip_tcp);
    len = make(false, 6, 100);
    frame[12] = 0x08, frame[13] = 0x06;            /* ARP */
    v = check(len, NIC_CSUM_TRUSTED, NIC_GSO_NONE);
    assert_false(v.skip_udp || v.skip_tcp);
    /* an IP length past the frame: not vouched for */
    len = make(false, 6, 100);
    v = check(len - 10, NIC_CSUM_TRUSTED, NIC_GSO_NONE);
    assert_false(v.skip_tcp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_segments),
        cmocka_unit_test(test_refused_segments),
        cmocka_unit_test(test_checksum_skips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
