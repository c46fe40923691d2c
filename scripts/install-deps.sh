#!/bin/bash
# Install the Debian packages cloak needs to build, run and test; only the
# missing ones, with sudo when not root.
set -e
PKGS=(gcc make nasm binutils qemu-system-x86 ovmf gnu-efi musl-tools
      libcmocka-dev libjansson-dev libarchive-dev zlib1g-dev libcurl4-openssl-dev libssl-dev openssl
      e2fsprogs libext2fs-dev mtools dosfstools busybox-static python3 sqlite3 g++
      clang libclang-rt-14-dev procps golang-go rustc
      redis-server redis-tools curl wrk iperf3)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "cloak: installing Debian packages: ${missing[*]}"
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
