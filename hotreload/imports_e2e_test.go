package main

import (
	"hash/fnv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
)

// TestRunNewImports: an edit that imports a package the running program
// does not contain (hash/fnv: nothing in the program uses it) is applied —
// the kit compiles the package as it compiled the others and the patch
// links it in — and serves the new code; an import of a package in no
// module of go.mod is refused at the import, saying which `go get` to run
// (hotreload never changes go.mod), and the program keeps serving.
func TestRunNewImports(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	mod := writeModule(t, map[string]string{
		"go.mod":     "module example.com/real\n\ngo 1.26.0\n",
		"main.go":    serverMain,
		"lib/lib.go": "package lib\n\nfunc Answer() string {\n\treturn \"v1\"\n}\n",
	})
	s := runModule(t, mod)
	s.ready()
	s.Expect("/", "v1")

	s.Edit("lib/lib.go", "package lib\n\nfunc Answer() string {\n\treturn \"v1\"\n}\n",
		"package lib\n\nimport (\n\t\"hash/fnv\"\n\t\"strconv\"\n)\n\nfunc Answer() string {\n\th := fnv.New32a()\n\th.Write([]byte(\"hot\"))\n\treturn strconv.FormatUint(uint64(h.Sum32()), 10)\n}\n")
	if e := s.Await(events.Applied, 5*time.Minute); len(e.Functions) != 1 || e.Functions[0] != "example.com/real/lib.Answer" {
		t.Fatalf("applied %+v", e)
	}
	h := fnv.New32a()
	h.Write([]byte("hot"))
	s.Expect("/", strconv.FormatUint(uint64(h.Sum32()), 10))

	s.Edit("lib/lib.go", "\t\"hash/fnv\"\n", "\t\"hash/fnv\"\n\n\t\"example.com/elsewhere/quote\"\n")
	s.Edit("lib/lib.go", "return strconv.FormatUint(uint64(h.Sum32()), 10)", "return quote.Hello() + strconv.FormatUint(uint64(h.Sum32()), 10)")
	e := s.Await(events.Refused, 5*time.Minute)
	if e.File != "lib/lib.go" || e.Decl != `import "example.com/elsewhere/quote"` || !strings.Contains(e.Reason, "go get example.com/elsewhere/quote") {
		t.Fatalf("refused %+v, want the import refused with the go get to run", e)
	}
	s.Expect("/", strconv.FormatUint(uint64(h.Sum32()), 10))
}
