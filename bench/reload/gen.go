// Command reload (bench/reload/gen.go) generates the large program of the
// reload benchmark (bench/reload/run.sh): a module of N library packages
// (default 100) in a layered dependency DAG, plus a main package that
// serves HTTP.
//
//	go run ./bench/reload -o DIR [-n 100] [-layers 5] [-seed 1]
//
// The output is deterministic for the same flags. Every library package
// has a few types with unexported fields and methods (a mutex-guarded
// registry, an exported Shape with unexported fields, a codec), a few
// functions, package-level state, and some standard-library imports
// (fmt, sort, strconv, strings, sync, math, hash/crc32 and one to three of
// bytes, encoding/binary, encoding/json, errors, slices, time, unicode).
// A package of layer L > 0 imports two to four packages of lower layers,
// one of them in layer L-1, so that every package is reachable from main;
// its Compute calls two of them, so one request runs a few hundred
// functions across the DAG.
//
// Package main (cmd/bigapp) serves, on -addr (default 127.0.0.1:8080;
// port 0 picks a free one, and the address is printed as
// "listening on http://ADDR"):
//
//	/value   rev=<p000.Revision()> total=<sum over the top layer> hits=<n> tag=<tag>
//	/health  ok
//
// hits is an in-memory counter: a hot reload keeps it, a restart resets it.
// The function the benchmark edits is (*table).revision in the leaf
// package p000; its body ends with the line
//
//	return 0 // bench:edit
//
// and a second one, at the top of the DAG, is main.handleValue, which calls
// every top-layer package (a patch of it imports them all):
//
//	tag := "h0" // bench:edit-handler
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const modulePath = "example.com/bigapp"

func main() {
	out := flag.String("o", "", "output directory (created; must not exist or be empty)")
	n := flag.Int("n", 100, "number of library packages")
	layers := flag.Int("layers", 5, "number of layers of the DAG")
	seed := flag.Int64("seed", 1, "random seed (the output is deterministic per seed)")
	flag.Parse()
	if *out == "" || *n < *layers || *layers < 2 {
		flag.Usage()
		os.Exit(2)
	}
	if ents, err := os.ReadDir(*out); err == nil && len(ents) > 0 {
		log.Fatalf("%s exists and is not empty", *out)
	}
	g := newGen(*n, *layers, *seed)
	files := g.files()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	lines := 0
	for _, name := range names {
		p := filepath.Join(*out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log.Fatal(err)
		}
		src := files[name]
		if strings.HasSuffix(name, ".go") {
			b, err := format.Source(src)
			if err != nil {
				log.Fatalf("generated %s does not parse: %v\n%s", name, err, src)
			}
			src = b
		}
		lines += bytes.Count(src, []byte("\n"))
		if err := os.WriteFile(p, src, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("generated %s: %d library packages in %d layers + main, %d files, %d lines\n",
		*out, *n, *layers, len(names), lines)
}

type pkg struct {
	index, layer int
	name         string
	deps         []int    // imported library packages (indexes), sorted
	calls        []int    // the deps Compute calls (two at most)
	extras       []string // optional std imports
}

type gen struct {
	pkgs   []*pkg
	layers [][]int
	top    []int
}

var optionalStd = []string{"bytes", "encoding/binary", "encoding/json", "errors", "slices", "time", "unicode"}

func newGen(n, layers int, seed int64) *gen {
	rng := rand.New(rand.NewSource(seed))
	g := &gen{layers: make([][]int, layers)}
	for i := 0; i < n; i++ {
		l := i * layers / n
		p := &pkg{index: i, layer: l, name: fmt.Sprintf("p%03d", i)}
		g.pkgs = append(g.pkgs, p)
		g.layers[l] = append(g.layers[l], i)
	}
	for _, p := range g.pkgs {
		// Optional std imports: one to three, deterministic per package.
		perm := rng.Perm(len(optionalStd))
		for _, k := range perm[:1+rng.Intn(3)] {
			p.extras = append(p.extras, optionalStd[k])
		}
		sort.Strings(p.extras)
		if p.layer == 0 {
			continue
		}
		// One dep in the layer below, chosen so that every package of that
		// layer has an importer; then one to three more from any lower layer.
		below := g.layers[p.layer-1]
		pos := indexOf(g.layers[p.layer], p.index)
		first := below[pos%len(below)]
		deps := map[int]bool{first: true}
		extra := 1 + rng.Intn(3)
		for len(deps) < 1+extra {
			l := rng.Intn(p.layer)
			cand := g.layers[l][rng.Intn(len(g.layers[l]))]
			deps[cand] = true
		}
		for d := range deps {
			p.deps = append(p.deps, d)
		}
		sort.Ints(p.deps)
		p.calls = []int{first}
		for _, d := range p.deps {
			if d != first {
				p.calls = append(p.calls, d)
				break
			}
		}
	}
	// Packages of the layer below the top with more packages than the top
	// layer would be left without importers: main imports the whole top
	// layer, and also p000 (for Revision).
	g.top = g.layers[layers-1]
	// Make sure every package is reachable (layers of unequal size).
	reach := map[int]bool{}
	var visit func(i int)
	visit = func(i int) {
		if reach[i] {
			return
		}
		reach[i] = true
		for _, d := range g.pkgs[i].deps {
			visit(d)
		}
	}
	for _, t := range g.top {
		visit(t)
	}
	for _, p := range g.pkgs {
		if !reach[p.index] {
			g.top = append(g.top, p.index)
			visit(p.index)
		}
	}
	return g
}

func indexOf(xs []int, x int) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

func (g *gen) files() map[string][]byte {
	files := map[string][]byte{
		"go.mod": []byte("module " + modulePath + "\n\ngo 1.26\n"),
		"README.md": []byte("Generated by rules_go_hot bench/reload/gen.go for the reload benchmark.\n" +
			"Run: go run ./cmd/bigapp -addr 127.0.0.1:0\n"),
	}
	for _, p := range g.pkgs {
		files["pkg/"+p.name+"/"+p.name+".go"] = g.library(p)
		files["pkg/"+p.name+"/util.go"] = g.util(p)
	}
	files["cmd/bigapp/main.go"] = g.mainPkg()
	return files
}

func (g *gen) importPath(i int) string { return modulePath + "/pkg/" + g.pkgs[i].name }

// library is the package's main file: state, types, Compute, Describe.
func (g *gen) library(p *pkg) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("// Package %s is generated: layer %d of the reload benchmark's program.\n", p.name, p.layer)
	w("package %s\n\nimport (\n", p.name)
	for _, s := range []string{"fmt", "hash/crc32", "math", "sort", "strconv", "strings", "sync"} {
		w("\t%q\n", s)
	}
	if len(p.deps) > 0 {
		w("\n")
		for _, d := range p.deps {
			w("\t%q\n", g.importPath(d))
		}
	}
	w(")\n\n")
	mod := 1000 + p.index*7
	w(`// entry is one record of the registry.
type entry struct {
	key   string
	value int
	seen  int
}

// registry is the package's in-memory state.
type registry struct {
	mu      sync.Mutex
	entries map[string]*entry
	order   []string
	puts    int
}

func newRegistry() *registry { return &registry{entries: map[string]*entry{}} }

func (r *registry) put(key string, v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.puts++
	e, ok := r.entries[key]
	if !ok {
		e = &entry{key: key}
		r.entries[key] = e
		r.order = append(r.order, key)
	}
	e.value = v
	e.seen++
}

func (r *registry) get(key string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[key]
	if !ok {
		return 0, false
	}
	return e.value, true
}

func (r *registry) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ks := append([]string(nil), r.order...)
	sort.Strings(ks)
	return ks
}

func (r *registry) sum() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := 0
	for _, e := range r.entries {
		t += e.value
	}
	return t
}

// Shape is an exported type with unexported fields.
type Shape struct {
	name  string
	sides int
	scale float64
}

// NewShape returns a regular polygon of unit side.
func NewShape(name string, sides int) *Shape {
	if sides < 3 {
		sides = 3
	}
	return &Shape{name: name, sides: sides, scale: 1}
}

// Area is the polygon's area.
func (s *Shape) Area() float64 {
	n := float64(s.sides)
	return n * s.scale * s.scale / (4 * math.Tan(math.Pi/n))
}

func (s *Shape) grow(f float64) { s.scale *= f }

func (s *Shape) String() string {
	return fmt.Sprintf("%%s/%%d/%%.2f", s.name, s.sides, s.scale)
}

// codec joins and checksums strings.
type codec struct {
	sep  string
	salt uint32
}

func (c codec) encode(parts []string) string { return strings.Join(parts, c.sep) }

func (c codec) checksum(s string) uint32 { return crc32.ChecksumIEEE([]byte(s)) ^ c.salt }

var (
	reg          = newRegistry()
	defaultCodec = codec{sep: ",", salt: %d}
)

// Name is the package's name.
func Name() string { return %q }

`, p.index*2654435761%1000003, p.name)
	w("// Compute is what the layers above call: local work plus the\n// results of two dependencies.\n")
	w("func Compute(x int) int {\n")
	w("\ts := NewShape(Name(), x%%7+3)\n\ts.grow(1 + float64(x%%3)/10)\n")
	w("\tv := int(s.Area()*100) %% %d\n", mod)
	for k, d := range p.calls {
		w("\tv += %s.Compute(x+%d) %% %d\n", g.pkgs[d].name, k+1, 997-k*6)
	}
	if p.index == 0 {
		w("\tv += tab.revision()\n")
	}
	w("\treg.put(strconv.Itoa(x%%16), v)\n")
	w("\treturn v + int(defaultCodec.checksum(s.String())%%100)\n}\n\n")

	w("// Describe lists the package, its dependencies and its state.\n")
	w("func Describe() string {\n\tparts := []string{Name()")
	for _, d := range p.deps {
		w(", %s.Name()", g.pkgs[d].name)
	}
	w("}\n\tparts = append(parts, reg.keys()...)\n")
	w("\treturn defaultCodec.encode(parts) + \"=\" + strconv.Itoa(reg.sum()) + extra()\n}\n\n")

	w("// Lookup returns a remembered result.\nfunc Lookup(x int) (int, bool) { return reg.get(strconv.Itoa(x %% 16)) }\n\n")
	if len(p.deps) > 0 {
		d := g.pkgs[p.deps[0]].name
		w("// Larger compares a shape of this package with one of %s.\n", d)
		w("func Larger(a *Shape, b *%s.Shape) bool { return a.Area() > b.Area() }\n\n", d)
	}
	if p.index == 0 {
		w(`// table is the state read by the function the benchmark edits.
type table struct {
	mu    sync.Mutex
	calls int
}

var tab = &table{}

// revision is the function whose body the reload benchmark edits.
func (t *table) revision() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	return 0 // bench:edit
}

// Revision is the current revision.
func Revision() int { return tab.revision() }
`)
	}
	return b.Bytes()
}

// util is the package's second file: helpers using the optional imports.
func (g *gen) util(p *pkg) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("package %s\n\nimport (\n", p.name)
	for _, s := range p.extras {
		w("\t%q\n", s)
	}
	w("\t\"strconv\"\n)\n\n")
	var calls []string
	for _, s := range p.extras {
		switch s {
		case "bytes":
			w("func joinBytes(parts ...string) []byte {\n\tvar b bytes.Buffer\n\tfor _, p := range parts {\n\t\tb.WriteString(p)\n\t\tb.WriteByte(';')\n\t}\n\treturn b.Bytes()\n}\n\n")
			calls = append(calls, "string(joinBytes(Name(), \"x\"))")
		case "encoding/binary":
			w("func pack(v int) []byte {\n\tb := make([]byte, 8)\n\tbinary.LittleEndian.PutUint64(b, uint64(v))\n\treturn b\n}\n\n")
			calls = append(calls, "strconv.Itoa(len(pack(reg.sum())))")
		case "encoding/json":
			w("type snapshot struct {\n\tName string `json:\"name\"`\n\tKeys []string `json:\"keys\"`\n}\n\n")
			w("func (s *Shape) marshal() string {\n\tb, err := json.Marshal(snapshot{Name: s.name, Keys: reg.keys()})\n\tif err != nil {\n\t\treturn err.Error()\n\t}\n\treturn string(b)\n}\n\n")
			calls = append(calls, "NewShape(Name(), 4).marshal()")
		case "errors":
			w("var errEmpty = errors.New(%q)\n\n", p.name+": empty")
			w("func check(s string) error {\n\tif s == \"\" {\n\t\treturn errEmpty\n\t}\n\treturn nil\n}\n\n")
			calls = append(calls, "fmtErr(check(Name()))")
			w("func fmtErr(err error) string {\n\tif errors.Is(err, errEmpty) {\n\t\treturn \"empty\"\n\t}\n\treturn \"ok\"\n}\n\n")
		case "slices":
			w("func sortedCopy(xs []int) []int {\n\tc := slices.Clone(xs)\n\tslices.Sort(c)\n\treturn c\n}\n\n")
			calls = append(calls, "strconv.Itoa(len(sortedCopy([]int{3, 1, 2})))")
		case "time":
			w("func stamp(d time.Duration) string { return d.Round(time.Millisecond).String() }\n\n")
			calls = append(calls, "stamp(1500 * time.Microsecond)")
		case "unicode":
			w("func countUpper(s string) int {\n\tn := 0\n\tfor _, r := range s {\n\t\tif unicode.IsUpper(r) {\n\t\t\tn++\n\t\t}\n\t}\n\treturn n\n}\n\n")
			calls = append(calls, "strconv.Itoa(countUpper(\"ABc\"))")
		}
	}
	w("func extra() string {\n\treturn strconv.Quote(Name())")
	for _, c := range calls {
		w(" + \"|\" + %s", c)
	}
	w("\n}\n")
	return b.Bytes()
}

func (g *gen) mainPkg() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w(`// Command bigapp is the reload benchmark's generated program: an HTTP
// service whose handler calls into every layer of a DAG of packages.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync/atomic"

`)
	imports := map[int]bool{0: true}
	for _, t := range g.top {
		imports[t] = true
	}
	var idx []int
	for i := range imports {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		w("\t%q\n", g.importPath(i))
	}
	w(`)

// hits is the in-memory state: a hot reload keeps it, a restart loses it.
var hits atomic.Int64

// handleValue calls into the whole DAG. The benchmark also edits it (the
// tag line): a patch of this function imports every top-layer package.
func handleValue(w http.ResponseWriter, r *http.Request) {
	n := hits.Add(1)
	tag := "h0" // bench:edit-handler
	total := 0
`)
	for _, t := range g.top {
		w("\ttotal += %s.Compute(int(n %% 5))\n", g.pkgs[t].name)
	}
	w(`	fmt.Fprintf(w, "rev=%%d total=%%d hits=%%d tag=%%s\n", p000.Revision(), total, n, tag)
}

func handleDescribe(w http.ResponseWriter, r *http.Request) {
`)
	for _, t := range g.top {
		w("\tfmt.Fprintln(w, %s.Describe())\n", g.pkgs[t].name)
	}
	w(`}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (port 0: any free port)")
	flag.Parse()
	http.HandleFunc("/value", handleValue)
	http.HandleFunc("/describe", handleDescribe)
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
`)
	return b.Bytes()
}
