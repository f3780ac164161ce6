// A tiny HTTP server for the oracle's own tests: a handler, a helper in
// another package, and a middleware closure built once at start-up.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	"example.com/fidelityapp/greet"
)

// tag wraps a handler; the closure it returns is built once, in main.
func tag(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Tag", "v1")
		fmt.Fprint(w, "[")
		next(w, r)
		fmt.Fprint(w, "]")
	}
}

func hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, greet.Hello(r.URL.Query().Get("name")))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	http.HandleFunc("/hello", tag(hello))
	http.HandleFunc("/banner", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, greet.Banner) })
	log.Fatal(http.ListenAndServe(*addr, nil))
}
