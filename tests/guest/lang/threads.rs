// A Rust program on the standard library's threads: spawn and join,
// mpsc channels, Arc<Mutex>, a Condvar (with a timeout that expires and
// one that does not), RwLock, Barrier, scoped threads, thread-locals,
// thread::sleep, a panic in a thread seen by join.  Its output is
// deterministic so that the test can compare it with the same binary run
// on the host; the one line that depends on the machine
// ("available_parallelism N") is printed first.
// rust.test builds it (tests/guest/lang.mk) and runs it under cloak.
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

thread_local! {
    static PER_THREAD: Cell<u64> = Cell::new(0);
}

fn spawn_join() {
    let handles: Vec<_> = (0..8u64)
        .map(|i| thread::spawn(move || (0..=1000 * i).sum::<u64>()))
        .collect();
    let sums: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    println!("spawn/join of 8 threads: {:?}", sums);
}

fn channels() {
    let (tx, rx) = mpsc::channel();
    for id in 0..4u64 {
        let tx = tx.clone();
        thread::spawn(move || {
            for k in 0..250u64 {
                tx.send(id * 1000 + k).unwrap();
            }
        });
    }
    drop(tx);
    let (mut n, mut sum) = (0, 0u64);
    for v in rx {
        n += 1;
        sum += v;
    }
    println!("mpsc from 4 threads: {} messages, sum {}", n, sum);

    // A rendezvous channel (capacity 0): each send waits for its receive.
    let (tx, rx) = mpsc::sync_channel::<u32>(0);
    let echo = thread::spawn(move || rx.iter().map(|v| v * 2).sum::<u32>());
    for v in 1..=100 {
        tx.send(v).unwrap();
    }
    drop(tx);
    println!("sync_channel(0) round trips: sum {}", echo.join().unwrap());
}

fn mutex_counter() {
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let c = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..5000 {
                    *c.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    println!("Arc<Mutex> counter: {}", *counter.lock().unwrap());
}

fn condvar() {
    // A turn passed round 4 threads, 100 times each.
    let state = Arc::new((Mutex::new(0usize), Condvar::new()));
    let handles: Vec<_> = (0..4)
        .map(|me| {
            let s = Arc::clone(&state);
            thread::spawn(move || {
                let (lock, cv) = &*s;
                for _ in 0..100 {
                    let mut turn = cv.wait_while(lock.lock().unwrap(), |t| *t % 4 != me).unwrap();
                    *turn += 1;
                    cv.notify_all();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    println!("condvar turns: {}", *state.0.lock().unwrap());

    // wait_timeout: one that expires, one that is notified in time.
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let t0 = Instant::now();
    let (g, res) = pair.1.wait_timeout(pair.0.lock().unwrap(), Duration::from_millis(30)).unwrap();
    println!("wait_timeout 30ms: timed out {}, waited at least 30ms {}", res.timed_out(), t0.elapsed() >= Duration::from_millis(30));
    drop(g);
    let p2 = Arc::clone(&pair);
    let notifier = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        *p2.0.lock().unwrap() = true;
        p2.1.notify_one();
    });
    let (g, res) = pair.1.wait_timeout_while(pair.0.lock().unwrap(), Duration::from_secs(30), |ready| !*ready).unwrap();
    println!("wait_timeout 30s notified: timed out {}, ready {}", res.timed_out(), *g);
    drop(g);
    notifier.join().unwrap();
}

fn rwlock_barrier_scope() {
    let table = Arc::new(RwLock::new(vec![0u32; 16]));
    let barrier = Arc::new(Barrier::new(4));
    let leaders = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (t, b, l) = (Arc::clone(&table), Arc::clone(&barrier), Arc::clone(&leaders));
            thread::spawn(move || {
                for k in 0..4 {
                    t.write().unwrap()[i * 4 + k] = (i * 4 + k) as u32;
                }
                if b.wait().is_leader() {
                    l.fetch_add(1, Ordering::SeqCst);
                }
                t.read().unwrap().iter().sum::<u32>()
            })
        })
        .collect();
    let seen: Vec<u32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    println!("RwLock after Barrier, every thread sees: {:?}, leaders {}", seen, leaders.load(Ordering::SeqCst));

    let mut data = [1u64, 2, 3, 4, 5, 6, 7, 8];
    thread::scope(|s| {
        for chunk in data.chunks_mut(2) {
            s.spawn(move || chunk.iter_mut().for_each(|x| *x *= *x));
        }
    });
    println!("scoped threads squared: {:?}", data);
}

fn locals_sleep_panic() {
    PER_THREAD.with(|v| v.set(1));
    let others: Vec<u64> = (2..6u64)
        .map(|i| {
            thread::spawn(move || {
                PER_THREAD.with(|v| v.set(v.get() + i));
                PER_THREAD.with(|v| v.get())
            })
        })
        .map(|h| h.join().unwrap())
        .collect();
    println!("thread-locals: main {}, others {:?}", PER_THREAD.with(|v| v.get()), others);

    let t0 = Instant::now();
    let sleepers: Vec<_> = (0..4).map(|_| thread::spawn(|| thread::sleep(Duration::from_millis(50)))).collect();
    for s in sleepers {
        s.join().unwrap();
    }
    println!("4 threads slept 50ms: at least 50ms {}", t0.elapsed() >= Duration::from_millis(50));

    let named = thread::Builder::new().name("worker-7".into()).stack_size(256 * 1024);
    let name = named.spawn(|| thread::current().name().unwrap().to_string()).unwrap().join().unwrap();
    println!("named thread: {}", name);

    std::panic::set_hook(Box::new(|_| {}));
    let r = thread::spawn(|| {
        let v: Vec<u32> = Vec::new();
        v[3]
    })
    .join();
    let msg = r.unwrap_err().downcast::<String>().map(|s| *s).unwrap_or_default();
    println!("panic in a thread, seen by join: {}", msg);
}

fn main() {
    let n = thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("available_parallelism {}", n);
    spawn_join();
    channels();
    mutex_counter();
    condvar();
    rwlock_barrier_scope();
    locals_sleep_panic();
    println!("rust ok");
}
