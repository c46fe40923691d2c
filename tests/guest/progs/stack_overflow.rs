// Rust's standard library catches a stack overflow with a SIGSEGV handler
// on an alternate signal stack (sigaltstack, SA_ONSTACK|SA_SIGINFO): it
// prints "thread 'main' ... has overflowed its stack" and aborts (134).
// signals.test builds it with rustc, where rustc is installed.
fn recurse(n: u64, buf: &mut [u8; 1024]) -> u64 {
    let mut local = [0u8; 1024];
    local[0] = (n & 0xff) as u8;
    buf[1] = local[0];
    if n == u64::MAX {
        return 0;
    }
    recurse(n + 1, &mut local) + local[(n % 1024) as usize] as u64
}

fn main() {
    println!("recursing");
    let mut b = [0u8; 1024];
    println!("{}", recurse(0, &mut b));
}
