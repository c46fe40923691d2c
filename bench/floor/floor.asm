; floor.elf: the smallest kernel cloak can boot, the floor of the boot-time
; benchmarks and the test vehicle of the UEFI loader.  It writes "floor\n"
; to COM1 and leaves QEMU through isa-debug-exit (port 0xf4, value 0, so
; QEMU exits with status 1).
;
; One ELF64 file, written here by hand (nasm -f bin), loaded at physical
; 1 MiB by one PT_LOAD segment that covers the whole file:
;  - PVH: a PT_NOTE holds the Xen note XEN_ELFNOTE_PHYS32_ENTRY (18), whose
;    8-byte value is the 32-bit entry; QEMU enters in 32-bit protected mode,
;    paging off, EBX = hvm_start_info (unused here).
;  - UEFI loader: e_entry, entered in 64-bit long mode with RDI = handoff.
; Both point at the same code: every instruction below encodes to the same
; bytes and means the same in 32-bit and in 64-bit mode (no REX, no inc/dec;
; writes to 32-bit registers zero-extend in 64-bit mode).

BASE equ 0x100000
XEN_ELFNOTE_PHYS32_ENTRY equ 18

        bits 32
        org BASE

ehdr:   db 0x7f, "ELF", 2, 1, 1, 0          ; ELF64, little endian, version 1
        times 8 db 0
        dw 2                                 ; e_type: ET_EXEC
        dw 62                                ; e_machine: EM_X86_64
        dd 1                                 ; e_version
        dq entry                             ; e_entry
        dq phdrs - ehdr                      ; e_phoff
        dq 0                                 ; e_shoff
        dd 0                                 ; e_flags
        dw 64                                ; e_ehsize
        dw 56                                ; e_phentsize
        dw 2                                 ; e_phnum
        dw 64                                ; e_shentsize
        dw 0                                 ; e_shnum
        dw 0                                 ; e_shstrndx

phdrs:  dd 1                                 ; PT_LOAD
        dd 7                                 ; RWX
        dq 0                                 ; p_offset
        dq BASE                              ; p_vaddr
        dq BASE                              ; p_paddr
        dq file_end - ehdr                   ; p_filesz
        dq file_end - ehdr                   ; p_memsz
        dq 0x1000                            ; p_align

        dd 4                                 ; PT_NOTE
        dd 4                                 ; R
        dq note - ehdr
        dq note
        dq note
        dq note_end - note
        dq note_end - note
        dq 4                                 ; QEMU pads the name to p_align

        align 4
note:   dd 4                                 ; namesz: "Xen\0"
        dd 8                                 ; descsz
        dd XEN_ELFNOTE_PHYS32_ENTRY
        db "Xen", 0
        dq entry
note_end:

entry:  cld
        mov esi, msg
        mov ecx, msg_end - msg
        mov dx, 0x3f8                        ; COM1 data register
        rep outsb
        mov dx, 0xf4                         ; isa-debug-exit
        xor eax, eax
        out dx, eax                          ; QEMU exits with (0 << 1) | 1
.halt:  cli
        hlt
        jmp .halt

msg:    db "floor", 10
msg_end:
file_end:
