#!/bin/bash
# Regenerates the seed corpus: small ext2 images (64 blocks of 1 KiB) made
# by mke2fs from little trees, stored gzipped (a few hundred bytes each).
# Run from the repository root: tests/fuzz/make-corpus.sh
set -e
out=tests/fuzz/corpus
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mk() { # name, tree dir or "", extra mke2fs options
    rm -f "$tmp/img"
    truncate -s 64K "$tmp/img"       # mke2fs does not extend a file it writes
    mke2fs -q -F -t ext2 -b 1024 -N 32 -L "$1" ${2:+-d "$2"} $3 "$tmp/img" 64 >/dev/null
    gzip -9n < "$tmp/img" > "$out/$1.img.gz"
}
# empty volume
mk empty "" "-r 1"
# every kind of file
t=$tmp/kinds; mkdir -p $t/dir/sub
printf 'hello\n' > $t/file
head -c 3000 /dev/zero | tr '\0' 'a' > $t/dir/three_blocks
ln -s file $t/fast
ln -s "$(printf '%080d' 0)" $t/slow
ln $t/file $t/dir/hard
mk kinds $t "-r 1"
# a file past the direct blocks (indirect block)
t=$tmp/indirect; mkdir -p $t
head -c 16000 /dev/zero | tr '\0' 'b' > $t/big
mk indirect $t "-r 1"
# a directory of two blocks
t=$tmp/entries; mkdir -p $t/d
for i in $(seq 1 18); do : > "$t/d/entry_with_a_really_quite_long_name_to_fill_the_block_$i"; done
mk entries $t "-r 1"
# 128-byte inodes, nested directories
t=$tmp/nested; mkdir -p $t/a/b/c/d
printf 'x' > $t/a/b/c/d/leaf
mk nested $t "-r 1 -I 128"
# revision 0
t=$tmp/rev0; mkdir -p $t/d
printf 'old\n' > $t/d/f
mk rev0 $t "-r 0"
# a sparse file (holes)
t=$tmp/sparse; mkdir -p $t
dd if=/dev/zero of=$t/holes bs=1024 count=1 seek=30 status=none
printf 'end' >> $t/holes
mk sparse $t "-r 1"
ls -la $out
