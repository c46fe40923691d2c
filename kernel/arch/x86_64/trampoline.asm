; Application-processor start-up (smp.c).  trampoline_start..trampoline_end
; is copied to a page below 1 MiB; a STARTUP IPI with that page's number
; starts an AP there in real mode (CS = page << 8, IP = 0).  It goes to
; 32-bit protected mode, then to long mode on the boot root (the kernel's
; upper half plus this page identity-mapped, built by mm/memory.c), and
; jumps to ap_entry64 in the kernel, which switches to the kernel's own
; tables, finds its slot by APIC id and calls the C entry on its stack.
; Under SEV the page is private memory: with paging off every access is
; private, and the kernel wrote the copy through a private mapping.

TD_BOOT_CR3   equ 0                     ; struct trampoline_data (smp.c)
TD_CR0        equ 4
TD_EFER       equ 8
TD_ENTRY64    equ 16
TD_KERNEL_CR3 equ 24
TD_SLOTS      equ 32
TD_NSLOTS     equ 40
TD_C_ENTRY    equ 48
SLOT_APIC_ID  equ 0                     ; struct smp_slot (smp.c)
SLOT_STATE    equ 4
SLOT_STACK    equ 8
SLOT_ARG      equ 16
SLOT_SIZE     equ 24
SLOT_STARTING equ 1
SLOT_RUNNING  equ 2

%define OFF(x) ((x) - trampoline_start)

section .rodata
align 16
global trampoline_start
trampoline_start:
bits 16
    cli
    cld
    mov ax, cs
    mov ds, ax
    movzx ebx, ax
    shl ebx, 4                          ; the page's physical address
    lea eax, [ebx + OFF(tr_gdt)]        ; the pointers below are absolute
    mov [OFF(tr_gdt_ptr) + 2], eax
    lea eax, [ebx + OFF(tr_32)]
    mov [OFF(tr_far32)], eax
    lea eax, [ebx + OFF(tr_64)]
    mov [OFF(tr_far64)], eax
    o32 lgdt [OFF(tr_gdt_ptr)]
    mov eax, cr0
    or al, 1                            ; PE
    mov cr0, eax
    jmp dword far [OFF(tr_far32)]
bits 32
tr_32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                      ; PAE
    mov cr4, eax
    mov eax, [ebx + OFF(trampoline_data) + TD_BOOT_CR3]
    mov cr3, eax
    mov ecx, 0xc0000080                 ; EFER: LME, and NXE for the tables' NX bits
    rdmsr
    or eax, [ebx + OFF(trampoline_data) + TD_EFER]
    wrmsr
    mov eax, [ebx + OFF(trampoline_data) + TD_CR0]   ; the boot CPU's: PG, PE, WP, no CD/NW
    mov cr0, eax
    jmp far [ebx + OFF(tr_far64)]
bits 64
tr_64:
    mov ebx, ebx                        ; upper halves are undefined after the switch
    mov r12, [rbx + OFF(trampoline_data) + TD_KERNEL_CR3]
    mov r13, [rbx + OFF(trampoline_data) + TD_SLOTS]
    mov r14, [rbx + OFF(trampoline_data) + TD_NSLOTS]
    mov r15, [rbx + OFF(trampoline_data) + TD_C_ENTRY]
    mov rax, [rbx + OFF(trampoline_data) + TD_ENTRY64]
    jmp rax

align 8
tr_gdt:
    dq 0
    dq 0x00cf9a000000ffff               ; 0x08: 32-bit code
    dq 0x00cf92000000ffff               ; 0x10: 32-bit data
    dq 0x00209a0000000000               ; 0x18: 64-bit code
tr_gdt_ptr:
    dw 4 * 8 - 1
    dd 0
tr_far32:
    dd 0
    dw 0x08
tr_far64:
    dd 0
    dw 0x18
align 8
global trampoline_data
trampoline_data:
    times 64 db 0
global trampoline_end
trampoline_end:

section .text
; In the kernel window: r12 = kernel CR3, r13/r14 = slots and their count,
; r15 = the C entry.  The boot root maps this code too, so CR3 can change
; at once.  An AP whose slot is missing, or no longer STARTING (the boot
; CPU gave up on it), halts for good with interrupts off.
global ap_entry64
ap_entry64:
    mov cr3, r12
    xor eax, eax
    cpuid
    cmp eax, 0xb
    jb .leaf1
    mov eax, 0xb
    xor ecx, ecx
    cpuid
    test ebx, ebx
    jz .leaf1
    mov r8d, edx                        ; x2APIC id
    jmp .find
.leaf1:
    mov eax, 1
    cpuid
    shr ebx, 24
    mov r8d, ebx                        ; initial APIC id
.find:
    test r14, r14
    jz .park
.next:
    cmp [r13 + SLOT_APIC_ID], r8d
    je .claim
    add r13, SLOT_SIZE
    dec r14
    jnz .next
    jmp .park
.claim:
    mov eax, SLOT_STARTING
    mov ecx, SLOT_RUNNING
    lock cmpxchg [r13 + SLOT_STATE], ecx
    jne .park
    mov rsp, [r13 + SLOT_STACK]
    mov rdi, [r13 + SLOT_ARG]
    xor ebp, ebp
    call r15
.park:
    cli
    hlt
    jmp .park
