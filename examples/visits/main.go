// Command visits is a small HTTP service with in-memory state (page
// counters, user sessions): the demo of hot reload. Run it with
//
//	hotreload run .
//
// and edit store/store.go or the handlers below while it serves.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"

	"example.com/visits/store"
)

var st = store.New()

func handleHit(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, st.Hit(r.URL.Query().Get("page")))
}

func handleLogin(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, st.Login(r.URL.Query().Get("user")))
}

func handleMe(w http.ResponseWriter, r *http.Request) {
	d, ok := st.Me(r.URL.Query().Get("sid"))
	if !ok {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	fmt.Fprintln(w, d)
}

func handleTop(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, strings.Join(st.Top(3), " "))
}

func handleHealth(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "ok")
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (port 0: any free port)")
	flag.Parse()
	http.HandleFunc("/hit", handleHit)
	http.HandleFunc("/login", handleLogin)
	http.HandleFunc("/me", handleMe)
	http.HandleFunc("/top", handleTop)
	http.HandleFunc("/health", handleHealth)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
