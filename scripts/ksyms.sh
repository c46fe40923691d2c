#!/bin/bash
# Writes the kernel's text symbols as a .ksyms section (assembly for nasm)
# from a linked kernel: count, sorted {addr, name offset}, names.
set -euo pipefail
elf=$1
syms=$(nm -n --defined-only "$elf" | awk '$2 ~ /^[tT]$/ && $1 ~ /^ffffffff/ {print $1, $3}')
count=$(printf '%s\n' "$syms" | grep -c . || true)
echo "section .ksyms progbits alloc noexec nowrite align=8"
echo "dq $count"
i=0
while read -r addr name; do
    [ -z "$addr" ] && continue
    echo "dq 0x$addr"
    echo "dd name_$i - \$\$"
    echo "dd 0"
    i=$((i+1))
done <<< "$syms"
i=0
while read -r addr name; do
    [ -z "$addr" ] && continue
    echo "name_$i: db \"$name\", 0"
    i=$((i+1))
done <<< "$syms"
