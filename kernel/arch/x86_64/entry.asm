; Trap, interrupt and system-call entry and exit.  Every path builds the
; same struct trap_frame (arch/x86_64/trap.h) on the kernel stack.

PERCPU_KERNEL_RSP equ 0
PERCPU_USER_RSP   equ 8
USER_CS equ 0x33                        ; arch/x86_64/gdt.h
USER_SS equ 0x2b
VECTOR_SYSCALL equ 0x100

extern trap_dispatch
extern trap_exit_to_user
extern syscall_dispatch
extern cpu_smap_active

%macro PUSH_GPRS 0
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
%endmacro

%macro POP_GPRS 0
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
%endmacro

section .text

; Vectors that push an error code: 8, 10-14, 17, 21, 29, 30.
%macro ISR 1
isr_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
    push 0
%endif
    push %1
    jmp isr_common
%endmacro

%assign v 0
%rep 256
ISR v
%assign v v+1
%endrep

isr_common:
    ; An interrupt may arrive while a system call has SMAP open (AC set for
    ; a user window): the handler runs with it closed.  IRETQ restores the
    ; interrupted RFLAGS, AC included.  POPFQ rather than CLAC: KVM's
    ; instruction emulator has no CLAC, and under PVM (KVM without VMX)
    ; kernel code is emulated.  Same effect, and no #UD without SMAP.
    test byte [rel cpu_smap_active], 1
    jz .ac_clear
    pushfq
    and dword [rsp], ~(1 << 18)         ; AC
    popfq
.ac_clear:
    test byte [rsp + 24], 3             ; came from ring 3?
    jz .kernel_in
    swapgs
.kernel_in:
    cld
    PUSH_GPRS
    mov rdi, rsp
    call trap_dispatch
    test byte [rsp + 15*8 + 24], 3      ; back to ring 3: deliver signals
    jz trap_return
    mov rdi, rsp
    call trap_exit_to_user
global trap_return
trap_return:
    POP_GPRS
    test byte [rsp + 24], 3
    jz .kernel_out
    swapgs
.kernel_out:
    add rsp, 16                         ; vector, error code
    iretq

section .rodata
global isr_table
isr_table:
%assign v 0
%rep 256
    dq isr_%+v
%assign v v+1
%endrep

section .text
; SYSCALL: RCX = user RIP, R11 = user RFLAGS, interrupts masked by FMASK.
global syscall_entry
syscall_entry:
    swapgs
    mov [gs:PERCPU_USER_RSP], rsp
    mov rsp, [gs:PERCPU_KERNEL_RSP]
    push USER_SS
    push qword [gs:PERCPU_USER_RSP]
    push r11
    push USER_CS
    push rcx
    push 0
    push VECTOR_SYSCALL
    PUSH_GPRS
    mov rdi, rsp
    call syscall_dispatch               ; returns non-zero to restore every register
    test eax, eax
    jnz .full_restore
    POP_GPRS
    add rsp, 16
    ; SYSRET faults in ring 0 on a non-canonical RIP; take IRET then.
    mov rcx, [rsp]
    mov r11, rcx
    sar r11, 47
    jz .canonical
    cmp r11, -1
    jne .iret
.canonical:
    mov r11, [rsp + 16]
    mov rsp, [rsp + 24]
    swapgs
    o64 sysret
.iret:
    swapgs
    iretq
.full_restore:
    jmp trap_return

; void user_enter(struct trap_frame *frame): start running user code.
global user_enter
user_enter:
    mov rsp, rdi
    jmp trap_return
