package reach

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

const mainSrc = `package main

import (
	"net/http"

	"example.com/app/srv"
	s2 "example.com/app/srv"
)

var st = srv.NewStore()

var f = valued

func main() {
	routes()
	for i := 0; i < 3; i++ {
		inLoop()
	}
	defer atExit()
	both()
	http.HandleFunc("/", handler)
	go worker()
	var t T
	t.M()
	recursive(3)
	generic[int](1)
	(paren)()
	go func() { fromLit() }()
	s2.Run()
}

func routes() {
	setupHelper()
	http.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("x"))
	})
}

func setupHelper() {}
func inLoop()      {}
func atExit()      {}
func fromLit()     {}
func generic[T any](T) {}
func paren()       {}

func handler(w http.ResponseWriter, r *http.Request) {
	perRequest()
	both()
	srv.Exported()
	sort(func(a, b int) bool { return a < b })
	func() { w.Write(nil) }()
}

func sort(func(a, b int) bool) {}
func perRequest()              {}
func both()                    {}

func worker() {
	for {
		job()
	}
}

func job() {}

func init() { fromInit() }

func fromInit() {}

func recursive(n int) {
	if n > 0 {
		recursive(n - 1)
	}
}

type T struct{}

func (T) M() {}

func valued() {}

func shadowed() {}

func usesShadow() {
	shadowed := func() {}
	shadowed()
}
`

const srvSrc = `package srv

type Store struct{ m map[string]int }

func NewStore() *Store { return build() }

func build() *Store { return &Store{m: map[string]int{}} }

func Run() { serve() }

func serve() {
	for {
		handle()
	}
}

func handle() {}

func Exported() {}
`

func parse(t *testing.T, path, name string, srcs ...string) *Package {
	t.Helper()
	p := &Package{Path: path, Name: name, Fset: token.NewFileSet()}
	for i, src := range srcs {
		f, err := parser.ParseFile(p.Fset, path+"/f"+string(rune('0'+i))+".go", src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		p.Files = append(p.Files, f)
	}
	return p
}

func program(t *testing.T, pkgs ...*Package) *Program {
	return &Program{Main: "example.com/app", Packages: pkgs, Rel: func(p token.Position) string { return p.Filename }}
}

func TestStartupOnly(t *testing.T) {
	prog := program(t, parse(t, "example.com/app", "main", mainSrc), parse(t, "example.com/app/srv", "srv", srvSrc))
	a := analyse(prog)
	var once []string
	for _, x := range a.funcs {
		if a.once[x] && !x.root {
			once = append(once, strings.TrimPrefix(x.name, "example.com/app"))
		}
	}
	sort.Strings(once)
	// Not start-up-only: inLoop (in a for), atExit (deferred), both
	// (also called by a handler), handler and valued (used as values),
	// perRequest, job (in a loop), recursive (calls itself), fromLit (in
	// a function literal), T.M (a method), srv.handle (in a loop),
	// srv.Exported (called by a handler), shadowed (a local of that name
	// is called in usesShadow, which is never called: conservative).
	want := []string{".fromInit", ".generic", ".paren", ".routes", ".setupHelper", ".worker", "/srv.NewStore", "/srv.Run", "/srv.build", "/srv.serve"}
	if strings.Join(once, " ") != strings.Join(want, " ") {
		t.Errorf("start-up-only:\n got %v\nwant %v", once, want)
	}
	for name, afterMain := range map[string]bool{"example.com/app/srv.build": false, "example.com/app/srv.NewStore": false, "example.com/app.fromInit": false, "example.com/app/srv.serve": true, "example.com/app.routes": true} {
		if x := a.funcs[name]; x == nil || a.afterMain[x] != afterMain {
			t.Errorf("%s: afterMain = %v, want %v", name, x != nil && a.afterMain[x], afterMain)
		}
	}
}

func TestNotes(t *testing.T) {
	edit := func(src string, pairs ...string) string {
		t.Helper()
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(src, pairs[i]) {
				t.Fatalf("no %q", pairs[i])
			}
			src = strings.Replace(src, pairs[i], pairs[i+1], 1)
		}
		return src
	}
	notes := func(path, name, base, cur string, others ...*Package) []string {
		t.Helper()
		c := parse(t, path, name, cur)
		prog := program(t, append(others, c)...)
		return Notes(prog, Change{Path: path, Cur: c, Base: parse(t, path, name, base)})
	}
	srv := parse(t, "example.com/app/srv", "srv", srvSrc)
	app := parse(t, "example.com/app", "main", mainSrc)

	// A route builder called once from main: its change and its literal's.
	got := notes("example.com/app", "main", mainSrc, edit(mainSrc, `w.Write([]byte("x"))`, `w.Write([]byte("y"))`), srv)
	if len(got) != 2 || !strings.HasPrefix(got[0], "example.com/app.routes runs only once, at start-up (called from example.com/app.main, example.com/app/f0.go:15)") ||
		!strings.HasPrefix(got[1], "example.com/app/f0.go:34: a function literal in example.com/app.routes changed, but example.com/app.routes ran at start-up") {
		t.Errorf("routes: %q", got)
	}
	// Package initialization: certain to have run.
	got = notes("example.com/app/srv", "srv", srvSrc, edit(srvSrc, "map[string]int{}", "make(map[string]int, 8)"), app)
	if len(got) != 1 || !strings.HasPrefix(got[0], "example.com/app/srv.build runs only during package initialization (called from example.com/app/srv.NewStore,") {
		t.Errorf("build: %q", got)
	}
	// A handler, a function called in a loop, a method: nothing to say.
	got = notes("example.com/app", "main", mainSrc, edit(mainSrc, "perRequest()\n\tboth()", "both()\n\tperRequest()", "func job() {}", "func job() { println() }", "func (T) M() {}", "func (T) M() { println() }"), srv)
	if len(got) != 0 {
		t.Errorf("handler, job, T.M: %q", got)
	}
	// Literals in a handler: a stored-or-passed one is noted, one called
	// where it is written is not, an unchanged one is not.
	got = notes("example.com/app", "main", mainSrc, edit(mainSrc, "a < b", "a > b", "w.Write(nil)", "w.Write([]byte{})"), srv)
	if len(got) != 1 || !strings.HasPrefix(got[0], "example.com/app/f0.go:50: a function literal in example.com/app.handler changed: function values made from it before this patch") {
		t.Errorf("handler literals: %q", got)
	}
	// A changed literal inside a literal that is called where it is
	// written: the inner one is noted.
	got = notes("example.com/app", "main", mainSrc, edit(mainSrc, "go func() { fromLit() }()", "go func() { http.HandleFunc(\"/z\", func(http.ResponseWriter, *http.Request) { fromLit() }) }()"), srv)
	if len(got) != 1 || !strings.Contains(got[0], "f0.go:28: a function literal in example.com/app.main changed, but example.com/app.main ran at start-up") {
		t.Errorf("nested literal: %q", got)
	}
	// A goroutine started once from main.
	got = notes("example.com/app", "main", mainSrc, edit(mainSrc, "\tfor {\n\t\tjob()", "\tfor {\n\t\tprintln()\n\t\tjob()"), srv)
	if len(got) != 1 || !strings.HasPrefix(got[0], "example.com/app.worker is started only once, as a goroutine, at start-up (go statement in example.com/app.main, example.com/app/f0.go:22)") {
		t.Errorf("worker: %q", got)
	}
	// A new function called from main: it will never run.
	got = notes("example.com/app", "main", mainSrc, edit(mainSrc, "\troutes()\n", "\troutes()\n\textra()\n", "func setupHelper() {}", "func setupHelper() {}\nfunc extra() {}"), srv)
	if len(got) != 1 || !strings.HasPrefix(got[0], "example.com/app.extra is new and only start-up code calls it (example.com/app.main, example.com/app/f0.go:16), which already ran in its old version") {
		t.Errorf("new start-up function: %q", got)
	}
	// Comments only: nothing.
	if got = notes("example.com/app", "main", mainSrc, edit(mainSrc, "func routes() {", "// routes builds the table.\nfunc routes() {"), srv); len(got) != 0 {
		t.Errorf("comment: %q", got)
	}
}

// TestForPatch: the patcher's hook reads the program's other packages
// from the kit's directories.
func TestForPatch(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) string {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Dir(p)
	}
	k := &kit.Kit{MainPackage: "example.com/app", ModuleDir: root, Packages: map[string]*kit.Package{
		"example.com/app":       {ImportPath: "example.com/app", Name: "main", Main: true, Dir: write("main.go", mainSrc), Files: []string{"main.go"}},
		"example.com/app/srv":   {ImportPath: "example.com/app/srv", Name: "srv", Main: true, Dir: write("srv/srv.go", srvSrc), Files: []string{"srv.go"}},
		"example.com/app/other": {ImportPath: "example.com/app/other", Name: "other", Main: true, Dir: write("other/other.go", "package other\n\nfunc F() {}\n"), Files: []string{"other.go"}},
		"fmt":                   {ImportPath: "fmt", Name: "fmt", Standard: true},
	}}
	cur := parse(t, "example.com/app/srv", "srv", strings.Replace(srvSrc, "func Run() { serve() }", "func Run() { println(); serve() }", 1))
	base := parse(t, "example.com/app/srv", "srv", srvSrc)
	rel := func(p token.Position) string { r, _ := filepath.Rel(root, p.Filename); return r }
	got := ForPatch(k, "example.com/app/srv", cur.Fset, cur.Files, base.Fset, base.Files, Redirects{}, rel)
	if len(got) != 1 || !strings.HasPrefix(got[0], "example.com/app/srv.Run runs only once, at start-up (called from example.com/app.main, main.go:29)") {
		t.Errorf("notes: %q", got)
	}
}
