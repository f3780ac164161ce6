package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/internal/hotevent"
)

// startupApp is a small service whose route table is built once, at
// start-up (routes.Register, called from main), and which runs a worker
// goroutine (routes.Loop) for its whole life.
var startupApp = map[string]string{
	"go.mod": "module example.com/startup\n\ngo 1.26\n",
	"main.go": `package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"

	"example.com/startup/routes"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	routes.Register(http.DefaultServeMux)
	ch := make(chan string)
	go routes.Loop(ch)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
`,
	"routes/routes.go": `package routes

import (
	"fmt"
	"net/http"
)

// Register builds the route table; main calls it once.
func Register(mux *http.ServeMux) {
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "a") })
	mux.HandleFunc("/b", handleB)
}

func handleB(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "b") }

var last string

// Loop runs for the program's whole life.
func Loop(ch chan string) {
	for s := range ch {
		last = s
	}
}
`,
}

// startApp is startSession for a module written from files.
func startApp(t *testing.T, files map[string]string) *session {
	t.Helper()
	s := runHot(t, writeModule(t, files), nil)
	s.ready()
	return s
}

// TestStartupNotes: edits the running program cannot show by itself are
// applied with notes that say so (invariant 7): a route table built at
// start-up (reach's note: a start-up-only function; its changed function
// literal is redirected, and seen) and a worker loop a goroutine is still
// inside (the agent's note). An edit of a handler is seen at once and gets
// no note.
func TestStartupNotes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	s := startApp(t, startupApp)
	s.Expect("/a", "a")
	note := func(e hotevent.Event, says string) string {
		t.Helper()
		for _, n := range e.Notes {
			if strings.Contains(n, says) {
				return n
			}
		}
		t.Fatalf("no note saying %q in %+v", says, e)
		return ""
	}

	// The route table: a changed literal, whose handler registered at
	// start-up is redirected (seen), and a new route (not seen: noted).
	s.Edit("routes/routes.go", `fmt.Fprintln(w, "a") })`, `fmt.Fprintln(w, "A") })
	mux.HandleFunc("/c", handleB)`)
	e := s.Await(events.Applied, 5*time.Minute)
	if strings.Join(e.Functions, " ") != "example.com/startup/routes.Register example.com/startup/routes.Register.func1" || len(e.Notes) != 1 {
		t.Fatalf("applied event %+v", e)
	}
	note(e, "example.com/startup/routes.Register runs only once, at start-up (called from example.com/startup.main, main.go:16)")
	s.Expect("/a", "A")
	if got := s.Get("/c"); !strings.Contains(got, "404") {
		t.Fatalf("GET /c = %q: the route table was built by the old code", got)
	}

	// The worker loop: its goroutine stays in the old code.
	s.Edit("routes/routes.go", "last = s\n", "last = s + \"!\"\n")
	e = s.Await(events.Applied, 5*time.Minute)
	n := note(e, "example.com/startup/routes.Loop: 1 goroutine is still inside its old code (goroutine ")
	if !strings.Contains(n, "[chan receive") || !strings.Contains(n, "routes.go:") || !strings.Contains(n, "restart") {
		t.Errorf("Loop's note: %q", n)
	}

	// A handler: seen at once, nothing noted about it.
	s.Edit("routes/routes.go", `fmt.Fprintln(w, "b")`, `fmt.Fprintln(w, "b2")`)
	e = s.Await(events.Applied, 5*time.Minute)
	for _, n := range e.Notes {
		if strings.Contains(n, "handleB") {
			t.Errorf("note about a handler: %q", n)
		}
	}
	s.Expect("/b", "b2")
}
