; Kernel entry points.  Both run at physical addresses (section .boot) with
; the boot page tables below, then jump to kmain in the top 2 GiB.
;   pvh_entry32  - QEMU/Xen PVH: 32-bit protected mode, paging off,
;                  EBX = struct hvm_start_info (physical).
;   uefi_entry64 - the cloak UEFI loader (ELF e_entry): long mode with the
;                  firmware's identity map, RDI = struct cloak_handoff.
; Before its first CPUID or port I/O, each entry runs the SEV-ES/SNP early
; check (sev_early.c, which explains the order) on the boot GDT, a small
; stack and the early IDT below; under SEV-ES or SEV-SNP it never returns.
; The boot tables are static: identity and direct map (0xffff800000000000) of
; the first 4 GiB with 2 MiB pages, and the kernel window at -2 GiB.  The
; kernel replaces them with its own tables early in kmain.

KERNEL_VBASE    equ 0xffffffff80000000
BOOT_KIND_PVH   equ 1
BOOT_KIND_UEFI  equ 2
XEN_ELFNOTE_PHYS32_ENTRY equ 18
EARLY_VECTORS   equ 32              ; the early IDT covers the exceptions

extern kmain
extern __bss_start
extern __bss_end
extern sev_early_check
extern sev_early_vc
extern sev_early_ports_ok

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
    mov eax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, early_stack_top
    mov r12d, esi                       ; start info (zero-extended)
    mov edi, esi
    mov esi, BOOT_KIND_PVH
    call early_sev                      ; returns only without SEV-ES/SNP
    mov rdi, r12                        ; arg0: start info
    mov esi, BOOT_KIND_PVH
    jmp boot_common64

global uefi_entry64
uefi_entry64:
    cli
    cld
    mov r12, rdi                        ; the handoff; CPUID clobbers rbx/rcx/rdx
    lgdt [boot_gdt_ptr]                 ; ours, so the early IDT's selector holds
    push 0x08
    lea rax, [rel .boot_cs]
    push rax
    retfq
.boot_cs:
    mov eax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, early_stack_top            ; the firmware's tables map it (identity)
    mov rdi, r12
    mov esi, BOOT_KIND_UEFI
    call early_sev                      ; returns only without SEV-ES/SNP
    call boot_sev_cbit                  ; rax = C-bit mask, 0 without SEV
    test rax, rax
    jz .tables_ready
    call boot_tables_add_cbit
.tables_ready:
    mov rdi, r12
    mov esi, BOOT_KIND_UEFI
    mov rax, boot_pml4
    mov cr3, rax
    jmp boot_common64

; early_sev(info, kind): loads the early IDT, then sev_early_check (C, in
; .boot.text).  The early IDT stays loaded until trap_init replaces it.
early_sev:
    lea r8, [rel early_idt]
    xor ecx, ecx
.gate:
    lea rax, [rel early_dead]
    cmp ecx, 13
    jne .not_gp
    lea rax, [rel early_gp]
.not_gp:
    cmp ecx, 29
    jne .not_vc
    lea rax, [rel early_vc]
.not_vc:
    mov [r8], ax                        ; offset 15:0
    mov word [r8 + 2], 0x08             ; boot GDT code selector
    mov word [r8 + 4], 0x8e00           ; present, DPL 0, interrupt gate, no IST
    shr rax, 16
    mov [r8 + 6], ax                    ; offset 31:16
    shr rax, 16
    mov [r8 + 8], eax                   ; offset 63:32
    mov dword [r8 + 12], 0
    add r8, 16
    inc ecx
    cmp ecx, EARLY_VECTORS
    jb .gate
    lidt [early_idt_ptr]
    jmp sev_early_check                 ; rdi, rsi untouched: (info, kind)

; bool sev_early_rdmsr(uint32_t msr, uint64_t *value): RDMSR that survives
; #GP (early_gp skips the instruction and clears early_rdmsr_ok).
global sev_early_rdmsr
sev_early_rdmsr:
    mov ecx, edi
    mov byte [rel early_rdmsr_ok], 1
    xor eax, eax
    xor edx, edx
early_rdmsr_insn:
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov [rsi], rax
    movzx eax, byte [rel early_rdmsr_ok]
    ret

; void sev_early_terminate(uint64_t ghcb_msr): GHCB MSR protocol request,
; VMGEXIT, and halt for good if the hypervisor lets the guest run on.
global sev_early_terminate
sev_early_terminate:
    mov rax, rdi
    mov rdx, rdi
    shr rdx, 32
    mov ecx, 0xc0010130                 ; GHCB MSR
    wrmsr
    db 0xf3, 0x0f, 0x01, 0xd9           ; VMGEXIT (rep vmmcall)
.halt:
    cli
    hlt
    jmp .halt

; #GP: recovered only at early_rdmsr_insn.  Frame: error code, RIP, ...
early_gp:
    push rax
    lea rax, [rel early_rdmsr_insn]
    cmp [rsp + 16], rax
    jne early_dead
    add qword [rsp + 16], 2             ; RDMSR is 0F 32
    mov byte [rel early_rdmsr_ok], 0
    pop rax
    add rsp, 8                          ; the error code
    iretq

; #VC: only an SEV-ES or SEV-SNP guest gets one.  Never returns.
early_vc:
    call sev_early_vc

; Any other exception before the kernel's IDT: no triple fault.  Once the
; early check has ruled out SEV-ES, port I/O is safe: leave QEMU through
; isa-debug-exit with status 70 (cloak reports a VM that stopped without
; a status); elsewhere, or without that device, halt for good.
early_dead:
    cli
    cmp byte [rel sev_early_ports_ok], 0
    je .halt
    mov dx, 0xf4
    mov eax, 70
    out dx, eax
.halt:
    hlt
    jmp .halt

; Under SEV (OVMF starts us with encrypted memory and its own tables) the
; boot tables must mark everything private before CR3 points at them: this
; is the one place outside mm/page_table.c that touches the C-bit, because
; it runs before the kernel window is mapped.  Same rules as the kernel
; (docs/sev.md): CPUID 0x8000001F bit 1 as a hint, SEV_STATUS bit 0 as the
; decision.  Runs after the early check, so CPUID is safe here.
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
    sub rsp, 8
    mov edi, 0xc0010131                 ; SEV_STATUS, #GP-safe
    mov rsi, rsp
    call sev_early_rdmsr                ; clobbers rax, rcx, rdx only
    pop rdx
    test eax, eax
    jz .none
    bt edx, 0
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
early_idt:
    times EARLY_VECTORS * 16 db 0       ; filled by early_sev
early_idt_ptr:
    dw EARLY_VECTORS * 16 - 1
    dq early_idt
early_rdmsr_ok:
    db 0
align 16
early_stack:
    times 4096 db 0                     ; the early check's stack
early_stack_top:
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
