// A Go net/http server, written as users write them, for net-servers.test:
//   GET  /page    a fixed 200 000-byte page (bytes from a fixed seed)
//   POST /sha256  answers "sha256 HEX bytes N" of the request body
//   GET  /stop    answers "stopping", then the server shuts down cleanly
// usage: go-httpserver PORT.  Prints "ready" once it listens, "first POST"
// when the first POST has been answered (the SEV audit starts sampling
// then, with traffic flowing) and, after /stop, "served N requests" (N
// counts /page and /sha256).
package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
)

const pageBytes = 200000

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-httpserver PORT")
		os.Exit(2)
	}
	page := make([]byte, pageBytes)
	rand.New(rand.NewSource(20261206)).Read(page)

	var served atomic.Int64
	var firstPost sync.Once
	stop := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(page)
	})
	mux.HandleFunc("/sha256", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		served.Add(1)
		fmt.Fprintf(w, "sha256 %x bytes %d\n", h.Sum(nil), n)
		firstPost.Do(func() { fmt.Println("first POST") })
	})
	mux.HandleFunc("/stop", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "stopping")
		select {
		case <-stop:
		default:
			close(stop)
		}
	})

	ln, err := net.Listen("tcp", ":"+os.Args[1])
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Println("ready")
	select {
	case <-stop:
	case err := <-done:
		fmt.Println("serve:", err)
		os.Exit(1)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		fmt.Println("shutdown:", err)
		os.Exit(1)
	}
	fmt.Printf("served %d requests\n", served.Load())
}
