; Switching kernel stacks between threads (sched/sched.c).

section .text

; void context_switch(uint64_t *save_rsp, uint64_t load_rsp)
; Saves the callee-saved registers and RFLAGS (interrupt flag, and AC: a
; thread may be switched away inside a user window with SMAP open) on the
; current stack, stores RSP in *save_rsp, and resumes the thread whose
; stack is load_rsp the same way.
global context_switch
context_switch:
    pushfq
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    popfq
    ret

; A new thread's first return from context_switch lands here with its
; entry function in R12 and its argument in R13 (sched_thread_new).
extern sched_thread_started
global thread_trampoline
thread_trampoline:
    call sched_thread_started
    mov rdi, r13
    call r12
    ud2
