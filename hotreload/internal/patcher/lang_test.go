package patcher

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// oldModule is a module whose go.mod says `go 1.13` (no generics), with a
// file whose //go:build go1.18 lifts it to a language version of its own
// (the go command compiles it at go1.18: go1.21, as the compiler counts).
// Its host speaks testdata/app's protocol, at go1.13 (no `any`).
var oldModule = map[string]string{
	"go.mod": "module example.com/old\n\ngo 1.13\n",
	"main.go": `package main

import (
	"bufio"
	"fmt"
	"os"
	"plugin"
	"reflect"
	"strings"

	"example.com/old/lib"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "call":
			fmt.Println(lib.Answer())
		case "load":
			if err := apply(f[1]); err != nil {
				fmt.Println("error", err)
				continue
			}
			fmt.Println("loaded")
		}
	}
}

func apply(path string) error {
	p, err := plugin.Open(path)
	if err != nil {
		return err
	}
	sym, err := p.Lookup("GoHotPatchSlots")
	if err != nil {
		return err
	}
	pairs := *sym.(*[]interface{})
	for i := 0; i < len(pairs); i += 2 {
		slot := reflect.ValueOf(pairs[i]).Elem()
		if pairs[i+1] == nil {
			slot.Set(reflect.Zero(slot.Type()))
		} else {
			slot.Set(reflect.ValueOf(pairs[i+1]))
		}
	}
	return nil
}
`,
	"lib/lib.go":     "package lib\n\nfunc Answer() string {\n\treturn \"v1 \" + Describe(1)\n}\n",
	"lib/generic.go": "//go:build go1.18\n\npackage lib\n\nimport \"fmt\"\n\nfunc show[T any](x T) string { return fmt.Sprint(\"<\", x, \">\") }\n\n// Describe is what files at the module's version can call.\nfunc Describe(n int) string { return show(n) }\n",
}

var (
	oldOnce    sync.Once
	oldFixture *fixture
	oldErr     string
)

func oldSession(t *testing.T) *session {
	oldOnce.Do(func() {
		ft := &fixtureT{}
		oldFixture = buildFixtureOf(ft, t, func(dir string) {
			for name, src := range oldModule {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
		oldErr = ft.err
	})
	if oldErr != "" {
		t.Fatal(oldErr)
	}
	if oldFixture == nil {
		t.Skip("no fixture")
	}
	return newSessionOf(t, oldFixture)
}

// TestFileLanguageVersion: each patch file compiles at the language
// version its source file had in the base. A generic function in a go1.18
// file of a go1.13 module used to fail the patch's compile ("generic
// function ... requires go1.18"): the patch was compiled at the module's
// -lang=go1.13. Together with it, a file at the module's version, and a
// table of slots that instantiates the generic function.
func TestFileLanguageVersion(t *testing.T) {
	s := oldSession(t)
	s.want("call", "v1 <1>")
	s.edit("lib/generic.go", `fmt.Sprint("<", x, ">")`, `fmt.Sprint("[", x, "]")`)
	wantFunctions(t, s.patch(), "example.com/old/lib.show")
	s.want("call", "v1 [1]")
	s.edit("lib/lib.go", `"v1 "`, `"v2 "`)
	wantFunctions(t, s.patch(), "example.com/old/lib.show", "example.com/old/lib.Answer")
	s.want("call", "v2 [1]")

	// Generics in the go1.13 file are what a rebuild refuses too.
	s.edit("lib/lib.go", `return "v2 " + Describe(1)`, `return "v2 " + show[int](1)`)
	_, err := s.b.Build()
	if err == nil || !strings.Contains(err.Error(), "lib/lib.go:4:") {
		t.Fatalf("generics at go1.13: %v, want a compile error at lib/lib.go:4", err)
	}
	s.edit("lib/lib.go", `return "v2 " + show[int](1)`, `return "v2 " + Describe(1)`)

	// A file whose language version changes compiles all of its code
	// differently: restart.
	s.edit("lib/generic.go", "//go:build go1.18", "//go:build go1.22")
	r := s.refused()
	if r.File != "lib/generic.go" || !strings.Contains(r.Reason, "go1.22") {
		t.Fatalf("version change: %+v", r)
	}
}
