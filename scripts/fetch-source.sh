#!/bin/bash
# fetch-source.sh PACKAGE VERSION-DIR: brings the source of a Debian package
# that the kernel builds freestanding (lwIP) into cache/src/, once.  apt
# downloads it from Debian's archive through a private deb-src list (the
# system's apt configuration is left alone) and checks it against the
# archive's signed index; the upstream tarball is unpacked to
# cache/src/VERSION-DIR.  Nothing of it is ever committed (cache/ is ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=$1 dir=$2
dest=cache/src/$dir
[ -e "$dest/.fetched" ] && exit 0

work=cache/apt
mkdir -p "$work/sources" "$work/lists/partial" cache/src
suites=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
# The mirror this machine's apt already uses for Debian, else the default.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/* *$/\1/p' /etc/apt/sources.list.d/*.sources 2> /dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\?\(http[^ ]*debian\)\/\? .*/\2/p' /etc/apt/sources.list 2> /dev/null | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
cat > "$work/sources/cloak-src.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: $suites
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$PWD/$work/sources"
          -o "Dir::State::Lists=$PWD/$work/lists" -o APT::Sandbox::User=root -q)
echo "cloak: fetching the source of Debian's $pkg (built into the kernel; cached in cache/src)"
if ! apt-get "${apt_opts[@]}" update > "$work/update.log" 2>&1; then
    echo "cloak: cannot read Debian's source index (apt-get update):" >&2
    tail -n 5 "$work/update.log" >&2
    echo "cloak: the kernel needs $pkg's source from deb.debian.org; check the network" >&2
    exit 1
fi
rm -rf "$work/dl" && mkdir -p "$work/dl"
if ! (cd "$work/dl" && apt-get "${apt_opts[@]}" source --download-only "$pkg" > ../source.log 2>&1); then
    echo "cloak: apt-get source $pkg failed:" >&2
    tail -n 5 "$work/source.log" >&2
    exit 1
fi
orig=$(ls "$work"/dl/*.orig.tar.* | head -n 1)
rm -rf "$dest" "$dest.tmp" && mkdir -p "$dest.tmp"
tar -xf "$orig" -C "$dest.tmp" --strip-components=1
mv "$dest.tmp" "$dest"
basename "$orig" > "$dest/.fetched"
echo "cloak: $pkg source in $dest ($(cat "$dest/.fetched"))"
