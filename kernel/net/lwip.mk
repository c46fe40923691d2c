# lwIP, built into the kernel from Debian's source package (fetched once by
# scripts/fetch-source.sh into cache/src, never committed).  Our port
# (lwipopts.h, arch/cc.h, <string.h>) is in kernel/net/port.
LWIP_DIR := cache/src/lwip-2.1.3
LWIP_STAMP := $(LWIP_DIR)/.fetched
LWIP_CORE := init def dns inet_chksum ip mem memp netif pbuf raw stats sys \
	tcp tcp_in tcp_out timeouts udp
LWIP_CORE4 := dhcp etharp icmp ip4_frag ip4 ip4_addr
LWIP_CORE6 := ethip6 icmp6 inet6 ip6 ip6_addr ip6_frag mld6 nd6
LWIP_SRCS := $(addprefix core/,$(LWIP_CORE)) $(addprefix core/ipv4/,$(LWIP_CORE4)) \
	$(addprefix core/ipv6/,$(LWIP_CORE6)) netif/ethernet
LWIP_OBJS := $(patsubst %,$(KERNEL_BUILD)/lwip/%.o,$(LWIP_SRCS))
LWIP_INCLUDES := -Ikernel/net/port -Ikernel/net/port/libc -I$(LWIP_DIR)/src/include
# lwIP's own code: the kernel's flags, its headers, and no warnings of ours
# to fix in code that is not ours; -Os: 25 KiB less kernel than -O2 (which
# the smallest guests, -m 4M, need); bench/run.sh net saw no cost beyond
# its noise.
LWIP_CFLAGS := $(filter-out -Wall -Wextra -O2,$(KERNEL_CFLAGS)) -Os -w $(LWIP_INCLUDES)

$(LWIP_STAMP): scripts/fetch-source.sh
	scripts/fetch-source.sh lwip $(notdir $(LWIP_DIR))

$(LWIP_OBJS): $(KERNEL_BUILD)/lwip/%.o: $(LWIP_STAMP) kernel/net/port/lwipopts.h kernel/net/port/arch/cc.h
	@mkdir -p $(dir $@)
	$(CC) $(LWIP_CFLAGS) -c $(LWIP_DIR)/src/$*.c -o $@

# The kernel's own net/ files see lwIP's headers (arch/cc.h from the port:
# there is no kernel/arch/cc.h).
$(KERNEL_BUILD)/net/%.o: KERNEL_CFLAGS += $(LWIP_INCLUDES)
# (An explicit list: a pattern rule cannot add a prerequisite to another.)
$(patsubst kernel/net/%.c,$(KERNEL_BUILD)/net/%.o,$(wildcard kernel/net/*.c)): | $(LWIP_STAMP)

KERNEL_OBJS += $(LWIP_OBJS)
