# A real tap device for guest tests, with no root on the host and nothing
# of the host's network touched: the test re-executes itself inside its own
# user, network and mount namespace (unshare -rnm), where it may make a tap,
# give the host side addresses and attach cloak to it (--net tap:IFNAME).
# Source it after lib.sh:
#   tap_netns_enter VAR DESC ARGS...  outside: checks what is needed (ip,
#                  python3, user namespaces, /dev/net/tun usable in one),
#                  else `skip DESC REASON` and finish; then re-executes the
#                  script with VAR=1 under unshare -rnm.  Inside (VAR set):
#                  returns.
#   tap_netns_up IFNAME   inside: a fresh sysfs (cloak looks for the tap in
#                  /sys/class/net), lo up, the tap made with the host's
#                  addresses $TAP_HOST4/24 and $TAP_HOST6/64 (no duplicate
#                  detection: usable at once; router advertisements
#                  ignored: the host side keeps just these), link up; TAP_ARGS holds the
#                  cloak run flags for it with the guest's static
#                  addresses $TAP_GUEST4 and $TAP_GUEST6.
TAP_HOST4=192.168.77.1
TAP_GUEST4=192.168.77.2
TAP_HOST6=fd77::1
TAP_GUEST6=fd77::2

tap_netns_enter() { # VAR DESC ARGS...
    local var=$1 desc=$2 why=""
    shift 2
    [ -n "${!var}" ] && return 0
    if ! command -v ip > /dev/null || ! command -v python3 > /dev/null; then
        why="ip (iproute2) or python3 is not installed"
    elif [ ! -c /dev/net/tun ]; then
        why="no /dev/net/tun on this host"
    elif ! unshare -rnm true 2> "$T/unshare.err"; then
        why="no user namespaces here (unshare -rnm: $(head -c 200 "$T/unshare.err"))"
    elif ! unshare -rnm ip tuntap add dev cloakprobe0 mode tap 2> "$T/unshare.err"; then
        why="cannot make a tap in a user namespace (/dev/net/tun: $(head -c 200 "$T/unshare.err"))"
    fi
    if [ -n "$why" ]; then
        skip "$desc" "$why"
        finish
    fi
    rm -rf "$T"                         # the inner run makes its own
    export "$var=1"
    exec unshare -rnm "$0" "$@"
}

tap_netns_up() { # IFNAME
    local ifname=$1
    mount -t sysfs sysfs /sys || return 1
    ip link set lo up &&
        ip tuntap add dev "$ifname" mode tap &&
        sysctl -qw "net.ipv6.conf.$ifname.accept_ra=0" &&
        ip addr add "$TAP_HOST4/24" dev "$ifname" &&
        ip -6 addr add "$TAP_HOST6/64" dev "$ifname" nodad &&
        ip link set "$ifname" up || return 1
    TAP_ARGS=(--net "tap:$ifname" --ip-address "$TAP_GUEST4" --netmask 255.255.255.0
        --gateway "$TAP_HOST4" --ipv6-address "$TAP_GUEST6")
}
