// A Go program that exercises what the runtime needs from the kernel
// before and after main: threads (one per P), futexes, epoll/timers for
// time.Sleep and time.After, signals (SIGURG preemption, SIGSEGV and SIGFPE
// turned into panics), the garbage collector.  Its output is deterministic
// so that the test can compare it with the same binary run on the host;
// the one line that depends on the machine ("numcpu N") is printed first.
// go.test builds it (tests/guest/lang.mk) and runs it under cloak.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// sumSquares fans work out to workers over a channel and gathers it back.
func sumSquares(workers, n int) int64 {
	jobs := make(chan int, 16)
	results := make(chan int64, 16)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var s int64
				for i := 0; i <= j; i++ {
					s += int64(i) * int64(i)
				}
				results <- s
			}
		}()
	}
	go func() {
		for j := 0; j < n; j++ {
			jobs <- j
		}
		close(jobs)
	}()
	go func() { wg.Wait(); close(results) }()
	var total int64
	for s := range results {
		total += s
	}
	return total
}

// mutexCounter: many goroutines increment one counter under a Mutex.
func mutexCounter(goroutines, each int) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	count := 0
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				mu.Lock()
				count++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return count
}

// pipeline: a chain of goroutines each adding one, over unbuffered channels.
func pipeline(stages, values int) int {
	first := make(chan int)
	in := first
	for s := 0; s < stages; s++ {
		out := make(chan int)
		go func(in <-chan int, out chan<- int) {
			for v := range in {
				out <- v + 1
			}
			close(out)
		}(in, out)
		in = out
	}
	go func() {
		for v := 0; v < values; v++ {
			first <- v
		}
		close(first)
	}()
	sum := 0
	for v := range in {
		sum += v
	}
	return sum
}

var nilMap map[string]*int

type point struct{ x, y int }

// recovered runs f and returns the text of the panic it raised.
func recovered(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return "no panic"
}

// timers: time.Sleep, time.After, a Timer stopped before it fires, a
// Ticker, and select with a timeout; durations are checked, not printed.
func timers() {
	t0 := time.Now()
	time.Sleep(30 * time.Millisecond)
	fmt.Println("sleep 30ms at least 30ms:", time.Since(t0) >= 30*time.Millisecond)

	t0 = time.Now()
	<-time.After(20 * time.Millisecond)
	fmt.Println("time.After 20ms at least 20ms:", time.Since(t0) >= 20*time.Millisecond)

	stopped := time.NewTimer(time.Hour)
	fmt.Println("timer stopped before firing:", stopped.Stop())

	ticker := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 4; i++ {
		<-ticker.C
	}
	ticker.Stop()
	fmt.Println("ticker ticked 4 times")

	never := make(chan int)
	select {
	case <-never:
		fmt.Println("select: impossible")
	case <-time.After(10 * time.Millisecond):
		fmt.Println("select: timed out")
	}

	// Many sleepers at once, each on its own timer.
	var wg sync.WaitGroup
	var woke int32
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(i%5) * time.Millisecond)
			atomic.AddInt32(&woke, 1)
		}(i)
	}
	wg.Wait()
	fmt.Println("sleepers woke:", woke)
}

// pipeAndSignals: a pipe between goroutines (os.Pipe is non-blocking: a
// reader waits in the runtime's poller, epoll), signal.Notify with a
// signal the program sends itself, context deadlines and time.AfterFunc.
func pipeAndSignals() {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println("os.Pipe:", err)
		return
	}
	got := make(chan string)
	go func() {
		b, err := io.ReadAll(r)
		got <- fmt.Sprintf("%d bytes, %v", len(b), err)
	}()
	time.Sleep(5 * time.Millisecond)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(w, "line %03d of the pipe\n", i)
	}
	w.Close()
	fmt.Println("pipe read by a goroutine:", <-got)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	select {
	case s := <-sigs:
		fmt.Println("signal.Notify got:", s)
	case <-time.After(5 * time.Second):
		fmt.Println("signal.Notify got nothing")
	}
	signal.Stop(sigs)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	fmt.Println("context:", ctx.Err())

	fired := make(chan int, 1)
	time.AfterFunc(5*time.Millisecond, func() { fired <- 7 })
	fmt.Println("time.AfterFunc ran:", <-fired)

	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := 0
	for i := 0; i < 4; i++ {
		go func() {
			mu.Lock()
			ready++
			cond.Broadcast()
			mu.Unlock()
		}()
	}
	mu.Lock()
	for ready < 4 {
		cond.Wait()
	}
	mu.Unlock()
	fmt.Println("sync.Cond: ready", ready)
}

// sigmaskPerThread: one thread blocks SIGUSR2 (rt_sigprocmask), another
// looks at its own mask: on Linux each thread has its own.  Where the
// kernel keeps one mask for all, another thread saving and restoring its
// mask while a SIGSEGV handler runs can leave SIGSEGV blocked, and the next
// nil dereference then kills the program; go.test names that cause.
func sigmaskPerThread() bool {
	const sigBlock, sigUnblock = 0, 1
	usr2 := uint64(1) << (syscall.SIGUSR2 - 1)
	mask := func(how int, set uint64) uint64 {
		var old uint64
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, uintptr(how), uintptr(unsafe.Pointer(&set)),
			uintptr(unsafe.Pointer(&old)), 8, 0, 0)
		return old
	}
	// Both threads exist before the test: a thread starting meanwhile
	// sets its own mask, which a shared mask would take.
	blocker, reader := make(chan bool), make(chan uint64)
	ready := make(chan bool)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		ready <- true
		<-blocker
		mask(sigBlock, usr2)
		blocker <- true
		<-blocker
		mask(sigUnblock, usr2)
		blocker <- true
	}()
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		ready <- true
		<-reader
		reader <- mask(sigBlock, 0)
	}()
	<-ready
	<-ready
	blocker <- true
	<-blocker
	reader <- 0
	other := <-reader
	blocker <- true
	<-blocker
	return other&usr2 == 0
}

// sigmaskPerThreadSure: sigmaskPerThread 5 times; false if one says so
// (a thread starting between the two calls can hide a shared mask).
func sigmaskPerThreadSure() bool {
	for i := 0; i < 5; i++ {
		if !sigmaskPerThread() {
			return false
		}
	}
	return true
}

// otherThreadSignal: tgkill(pid, tid, 0) to two other threads (goroutines
// locked to their own threads), what the runtime's preemption does with
// SIGURG; two, because one of them may be the main thread.  nil if the
// kernel accepts both.
func otherThreadSignal() error {
	tids := make(chan int)
	release := make(chan bool)
	for i := 0; i < 2; i++ {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tids <- syscall.Gettid()
			<-release
		}()
	}
	a, b := <-tids, <-tids
	defer close(release)
	if err := syscall.Tgkill(syscall.Getpid(), a, 0); err != nil {
		return err
	}
	return syscall.Tgkill(syscall.Getpid(), b, 0)
}

// preemption: with one P, a goroutine spinning in a loop without calls
// only lets main run again if the runtime preempts it with a signal
// (SIGURG sent by tgkill, Go 1.14's asynchronous preemption).
func preemption() {
	if err := otherThreadSignal(); err != nil {
		// Without it the loop below would spin for ever.
		fmt.Println("tight loop not run: tgkill to another thread:", err)
		return
	}
	prev := runtime.GOMAXPROCS(1)
	var stop int32
	var spins int64
	done := make(chan bool)
	go func() {
		n := int64(0)
		for atomic.LoadInt32(&stop) == 0 {
			n++
		}
		spins = n
		done <- true
	}()
	time.Sleep(20 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	<-done
	runtime.GOMAXPROCS(prev)
	fmt.Println("tight loop preempted, spun:", spins > 0)
}

// gc: garbage that only a collection frees, and a finalizer it runs.
func gc() {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var keep [][]byte
	for i := 0; i < 2000; i++ {
		b := make([]byte, 4096)
		b[0] = byte(i)
		if i%100 == 0 {
			keep = append(keep, b)
		}
	}
	finalized := make(chan bool, 1)
	obj := &point{1, 2}
	runtime.SetFinalizer(obj, func(*point) { finalized <- true })
	obj = nil
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Println("runtime.GC ran:", after.NumGC >= before.NumGC+2, "kept", len(keep))
	select {
	case <-finalized:
		fmt.Println("finalizer ran")
	case <-time.After(5 * time.Second):
		fmt.Println("finalizer did not run")
	}
}

// deep: goroutine stacks grow (copied) far past their first 8 KiB.
func deep(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return deep(n-1) + int(pad[n%64]&1)
}

func main() {
	fmt.Println("numcpu", runtime.NumCPU())
	fmt.Println("gomaxprocs", runtime.GOMAXPROCS(0))
	fmt.Println("signal masks per thread:", sigmaskPerThreadSure())

	fmt.Println("sum of squares over 8 workers:", sumSquares(8, 300))
	fmt.Println("mutex counter:", mutexCounter(16, 2000))
	fmt.Println("pipeline of 50 stages:", pipeline(50, 200))

	var results = make([]int, 1000)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(i int) { defer wg.Done(); results[i] = i * 2 }(i)
	}
	wg.Wait()
	total := 0
	for _, r := range results {
		total += r
	}
	fmt.Println("1000 goroutines:", total)

	depth := make(chan int)
	go func() { depth <- deep(100000) }()
	fmt.Println("deep recursion in a goroutine:", <-depth)

	timers()
	pipeAndSignals()
	preemption()

	var p *point
	fmt.Println("nil pointer:", recovered(func() { p.y = 3 }))
	fmt.Println("nil map write:", recovered(func() { *nilMap["a"] = 1 }))
	zero := len(os.Args) - len(os.Args)
	fmt.Println("divide by zero:", recovered(func() { fmt.Println(10 / zero) }))
	idx := 5 + zero
	fmt.Println("index:", recovered(func() { _ = results[len(results)+idx] }))
	fmt.Println("panic:", recovered(func() { panic("by the program") }))
	fromGoroutine := make(chan string)
	go func() { fromGoroutine <- recovered(func() { var q *point; q.x++ }) }()
	fmt.Println("nil pointer in a goroutine:", <-fromGoroutine)

	gc()
	fmt.Println("go ok")
}
