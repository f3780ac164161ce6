// The host of the agent's tests: it serves its functions' results over
// HTTP, so a test sees which code runs, and links the agent explicitly.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"

	"example.com/agenthost/lib"
	"github.com/gohot/rules_go_hot/runtime/agent"
)

func greet() string { return "hello" }

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %d %d", greet(), lib.Word(), lib.Max(1, 2), lib.Hit())
	})
	// Goroutines parked for good: one in lib.Wait, one in a function
	// literal of main (and main itself waits in http.Serve).
	block := make(chan struct{})
	go lib.Wait(block)
	go func() { <-block }()
	socket := "none"
	if a := agent.Default(); a != nil {
		socket = a.Socket()
	}
	fmt.Printf("port %d socket %s\n", ln.Addr().(*net.TCPAddr).Port, socket)
	http.Serve(ln, nil)
}
