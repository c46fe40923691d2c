// Goroutine ping-pong: N round trips between two goroutines over two
// unbuffered channels, timed inside the program: "chan_rtt_ns X".
// bench/thread_bench.py runs it in cloak and natively.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	n, err := strconv.Atoi(os.Args[len(os.Args)-1])
	if len(os.Args) != 2 || err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "usage: chan_pingpong N")
		os.Exit(2)
	}
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	t0 := time.Now()
	v := 0
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	elapsed := time.Since(t0)
	close(ping)
	if v != n {
		fmt.Fprintln(os.Stderr, "chan_pingpong: got", v, "expected", n)
		os.Exit(1)
	}
	fmt.Printf("chan_rtt_ns %.1f\n", float64(elapsed.Nanoseconds())/float64(n))
}
