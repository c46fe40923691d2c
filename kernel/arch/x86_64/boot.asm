; Kernel entry points.  Both run at physical addresses (section .boot) with
; the boot page tables below, then jump to kmain in the top 2 GiB.
;   pvh_entry32  - QEMU/Xen PVH: 32-bit protected mode, paging off,
;                  EBX = struct hvm_start_info (physical).
;   uefi_entry64 - the cloak UEFI loader (ELF e_entry): long mode with the
;                  firmware's identity map, RDI = struct cloak_handoff.
; The boot tables are static: identity and direct map (0xffff800000000000) of
; the first 4 GiB with 2 MiB pages, and the kernel window at -2 GiB.  The
; kernel replaces them with its own tables early in kmain.

KERNEL_VBASE    equ 0xffffffff80000000
BOOT_KIND_PVH   equ 1
BOOT_KIND_UEFI  equ 2
XEN_ELFNOTE_PHYS32_ENTRY equ 18

extern kmain
extern __bss_start
extern __bss_end

section .note.Xen note alloc
align 4
    dd 4                        ; name size ("Xen\0")
    dd 4                        ; descriptor size
    dd XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_entry32

section .boot.text progbits alloc exec
bits 32
global pvh_entry32
pvh_entry32:
    cli
    cld
    mov esi, ebx                        ; start info, survives into 64-bit mode
    mov eax, cr4
    or eax, (1 << 5)                    ; PAE
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax
    mov ecx, 0xc0000080                 ; EFER
    rdmsr
    or eax, (1 << 8)                    ; LME
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 0)        ; PG | PE
    mov cr0, eax
    lgdt [boot_gdt_ptr]
    jmp 0x08:.long_mode
bits 64
.long_mode:
    mov edi, esi                        ; arg0: start info (zero-extended)
    mov esi, BOOT_KIND_PVH
    jmp boot_common64

global uefi_entry64
uefi_entry64:
    cli
    cld
    mov r12, rdi                        ; the handoff; CPUID clobbers rbx/rcx/rdx
    call boot_sev_cbit                  ; rax = C-bit mask, 0 without SEV
    test rax, rax
    jz .tables_ready
    call boot_tables_add_cbit
.tables_ready:
    mov rdi, r12
    mov esi, BOOT_KIND_UEFI
    mov rax, boot_pml4
    mov cr3, rax
    lgdt [boot_gdt_ptr]
    push 0x08
    lea rax, [rel boot_common64]
    push rax
    retfq

; Under SEV (OVMF starts us with encrypted memory and its own tables) the
; boot tables must mark everything private before CR3 points at them: this
; is the one place outside mm/page_table.c that touches the C-bit, because
; it runs before any C code can.  Same rules as the kernel (sev.md 1.3):
; CPUID 0x8000001F bit 1 as a hint, SEV_STATUS bit 0 as the decision.
; Returns the mask in rax (0 if SEV is not active).
boot_sev_cbit:
    push rbx
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x8000001f
    jb .none
    mov eax, 0x8000001f
    cpuid
    bt eax, 1
    jnc .none
    mov r8d, ebx
    and r8d, 0x3f                       ; C-bit position
    cmp r8d, 32
    jb .none
    cmp r8d, 51
    ja .none
    mov ecx, 0xc0010131                 ; SEV_STATUS
    rdmsr
    bt eax, 0
    jnc .none
    mov ecx, r8d
    mov eax, 1
    shl rax, cl
    pop rbx
    ret
.none:
    xor eax, eax
    pop rbx
    ret

; ORs rax into every present entry of the boot tables.
boot_tables_add_cbit:
    mov rdx, rax
    lea rdi, [rel boot_pml4]
    mov ecx, (4096 * 3 + 4096 * 4) / 8  ; PML4, two PDPTs, four PDs, contiguous
.next:
    test qword [rdi], 1
    jz .skip
    or [rdi], rdx
.skip:
    add rdi, 8
    dec ecx
    jnz .next
    ret

boot_common64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    ; zero .bss (QEMU and the loader zero it too, but do not rely on them)
    mov r8, rdi
    mov rdi, __bss_start
    mov rcx, __bss_end
    sub rcx, rdi
    xor eax, eax
    rep stosb
    mov rdi, r8
    mov rsp, boot_stack_top
    xor ebp, ebp
    mov rax, kmain
    call rax
.hang:
    hlt
    jmp .hang

section .boot.data progbits alloc write
align 16
boot_gdt:
    dq 0
    dq 0x00209a0000000000               ; 0x08: 64-bit code
    dq 0x0000920000000000               ; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dq boot_gdt

PTE_P  equ 1
PTE_W  equ 2
PTE_PS equ 0x80

align 4096
global boot_pml4
boot_pml4:
    dq boot_pdpt_low + PTE_P + PTE_W    ; identity
    times 255 dq 0
    dq boot_pdpt_low + PTE_P + PTE_W    ; 0xffff800000000000: direct map
    times 254 dq 0
    dq boot_pdpt_high + PTE_P + PTE_W   ; 0xffffff8000000000
align 4096
boot_pdpt_low:
    dq boot_pd + PTE_P + PTE_W
    dq boot_pd + 0x1000 + PTE_P + PTE_W
    dq boot_pd + 0x2000 + PTE_P + PTE_W
    dq boot_pd + 0x3000 + PTE_P + PTE_W
    times 508 dq 0
align 4096
boot_pdpt_high:
    times 510 dq 0
    dq boot_pd + PTE_P + PTE_W          ; 0xffffffff80000000 -> physical 0
    dq 0
align 4096
boot_pd:
%assign i 0
%rep 2048
    dq (i << 21) + PTE_P + PTE_W + PTE_PS
%assign i i+1
%endrep

section .bss nobits alloc write
align 16
boot_stack:
    resb 16384
boot_stack_top:
