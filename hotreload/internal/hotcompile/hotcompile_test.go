package hotcompile

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/gohot/rules_go_hot/tools/rewriter"
)

var (
	compilerOnce sync.Once
	compiler     *Compiler
	compilerDir  string
	compilerErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if compilerDir != "" {
		os.RemoveAll(compilerDir)
	}
	os.Exit(code)
}

// testCompiler is the hot compiler, built once for the package's tests.
func testCompiler(t *testing.T) *Compiler {
	t.Helper()
	if testing.Short() {
		t.Skip("builds cmd/compile")
	}
	compilerOnce.Do(func() {
		if compilerDir, compilerErr = os.MkdirTemp("", "hotcompile-test-"); compilerErr == nil {
			compiler, compilerErr = Build(context.Background(), runtime.GOROOT(), runtime.Version(), compilerDir)
		}
	})
	if compilerErr != nil {
		t.Fatal(compilerErr)
	}
	return compiler
}

// src has functions on both sides of the inliner's budget (80): leaves,
// a loop, calls to inlinable and non-inlinable functions, methods,
// generics, a function literal, a function just under the budget.
const src = `package p

type T struct{ a, b int }

func Get(t *T) int          { return t.a }
func (t T) Sum() int        { return t.a + t.b }
func (t *T) Set(v int)      { t.a = v }
func Add(a, b int) int      { return a + b }
func Twice(a int) int       { return Add(a, a) }
func Max[E int | float64](a, b E) E {
	if a > b {
		return a
	}
	return b
}
func Loop(xs []int) (n int) {
	for _, x := range xs {
		n += x
	}
	return n
}
func Big(xs []int) int {
	n := 0
	for i, x := range xs {
		if x > 10 {
			n += x * i
		} else if x < -10 {
			n -= x
		} else {
			n ^= x << 2
		}
	}
	return n + len(xs)
}
//go:noinline
func opaque(x int) int { return x }
func CallsOpaque(x int) int { return opaque(x) + 1 }
func Lit(x int) func() int { return func() int { return x + 1 } }
func Near(a, b, c, d int) int {
	x := a*b + c*d - a/2 + b%3
	y := x*x - a + b - c + d
	if y > x {
		return y - x + a*b*c
	}
	return x - y + b*c*d
}
`

var canInline = regexp.MustCompile(`: can inline (\S+) with cost (\d+)`)

// inlinable compiles file with compiler (-m=2) and returns "name cost"
// for each inlinable function that is not generated (GoHot...).
func inlinable(t *testing.T, compiler, dir, file string, extra ...string) []string {
	t.Helper()
	args := append([]string{"-p", "example.com/p", "-m=2", "-o", filepath.Join(dir, "p.a"), "-pack"}, extra...)
	out, err := exec.Command(compiler, append(args, file)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", compiler, file, err, out)
	}
	var got []string
	for _, m := range canInline.FindAllStringSubmatch(string(out), -1) {
		if !strings.Contains(m[1], "GoHot") && !strings.HasPrefix(m[1], "init.") {
			got = append(got, m[1]+" "+m[2])
		}
	}
	sort.Strings(got)
	return got
}

// TestInliningAsPlain: the hot compiler inlines an instrumented package's
// functions exactly as the stock compiler inlines the plain package's
// (same functions, same costs), whatever the prologue's form; the stock
// compiler inlines almost none of the instrumented ones.
func TestInliningAsPlain(t *testing.T) {
	hot := testCompiler(t)
	stock := filepath.Join(runtime.GOROOT(), "pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH, "compile")
	dir := t.TempDir()
	plainFile := filepath.Join(dir, "plain", "p.go")
	os.MkdirAll(filepath.Dir(plainFile), 0o755)
	if err := os.WriteFile(plainFile, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := inlinable(t, stock, filepath.Dir(plainFile), plainFile)
	if len(plain) < 8 {
		t.Fatalf("the plain package has only %d inlinable functions: %v", len(plain), plain)
	}
	for _, tc := range []struct {
		name string
		cfg  rewriter.Config
		race bool
	}{
		{"default", rewriter.Config{}, false},
		{"noescape", rewriter.Config{NoEscape: true}, false},
		{"closures", rewriter.Config{Closures: true}, false},
		{"race", rewriter.Config{Race: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.ImportPath, cfg.GoVersion = "example.com/p", "go1.22"
			res, err := rewriter.Rewrite(cfg, []rewriter.File{{Name: "p.go", Src: []byte(src)}})
			if err != nil {
				t.Fatal(err)
			}
			d := filepath.Join(dir, tc.name)
			os.MkdirAll(d, 0o755)
			var files []string
			for _, f := range res.Files {
				p := filepath.Join(d, filepath.Base(f.Name))
				if err := os.WriteFile(p, f.Src, 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, p)
			}
			if len(files) != 1 {
				t.Fatalf("rewrite gave %d files", len(files))
			}
			var extra []string
			if tc.race {
				extra = append(extra, "-race")
			}
			if got := inlinable(t, hot.Path, d, files[0], extra...); strings.Join(got, "\n") != strings.Join(plain, "\n") {
				t.Errorf("inlinable instrumented (hot compiler):\n%s\nplain:\n%s", strings.Join(got, "\n"), strings.Join(plain, "\n"))
			}
			if got := inlinable(t, stock, d, files[0], extra...); len(got) >= len(plain) {
				t.Errorf("the stock compiler inlines %d of the instrumented functions, as many as plain (%d): is the prologue still costly?", len(got), len(plain))
			}
		})
	}
}

// TestNotApplicable: an inliner source without the code refuses, naming
// the file.
func TestNotApplicable(t *testing.T) {
	goroot := t.TempDir()
	inl := filepath.Join(goroot, "src", "cmd", "compile", "internal", "inline")
	if err := os.MkdirAll(inl, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inl, "inl.go"), []byte("package inline\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Build(context.Background(), goroot, "go1.0", t.TempDir())
	var na *NotApplicable
	if !errors.As(err, &na) || !strings.Contains(err.Error(), filepath.Join(inl, "inl.go")) {
		t.Fatalf("got %v, want a NotApplicable naming %s", err, filepath.Join(inl, "inl.go"))
	}
}

// TestKey: the key changes with the Go version and with the inliner's
// source.
func TestKey(t *testing.T) {
	internal := filepath.Join(runtime.GOROOT(), "src", "cmd", "compile", "internal")
	_, k1, err := sources(internal, "go1.26.8")
	if err != nil {
		t.Fatal(err)
	}
	_, k2, _ := sources(internal, "go1.26.9")
	dir := t.TempDir()
	for _, f := range fixes {
		b, _ := os.ReadFile(filepath.Join(internal, f.File))
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f.File)), 0o755)
		os.WriteFile(filepath.Join(dir, f.File), append(b, "\n// changed\n"...), 0o644)
	}
	_, k3, err := sources(dir, "go1.26.8")
	if err != nil {
		t.Fatal(err)
	}
	if k1 == k2 || k1 == k3 || !strings.HasPrefix(k1, "go1.26.8-") {
		t.Fatalf("keys %s %s %s", k1, k2, k3)
	}
}

// TestEscapeTags: with $GOHOT_ESCAPE_TAGS set, the hot compiler writes
// each pointer parameter's escape result, by the function's linker name:
// none, to the heap, to a result, its content only.
func TestEscapeTags(t *testing.T) {
	hot := testCompiler(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "p.go")
	if err := os.WriteFile(file, []byte(`package p

var sink *int
var sinks []*int

type T struct{ p *int }

func Keep(p *int)          { sink = p }
func Read(p *int) int      { return *p }
func Pass(p *int) *int     { return p }
func Content(p **int)      { sink = *p }
func Scalar(n int) int     { return n }
func (t *T) Set(p *int)    { t.p = p }
func (t T) Get() *int      { return t.p }
func Append(p *int)        { sinks = append(sinks, p) }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tags := filepath.Join(dir, "tags")
	cmd := exec.Command(hot.Path, "-p", "example.com/p", "-o", filepath.Join(dir, "p.a"), "-pack", file)
	cmd.Env = append(os.Environ(), EscapeTagsEnv+"="+tags)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	b, err := os.ReadFile(tags)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 10 {
			t.Fatalf("line %q: want 10 fields", line)
		}
		got[f[0]+" "+f[1]] = strings.Join(f[2:5], " ") + " r0=" + f[5]
	}
	for key, want := range map[string]string{
		"example.com/p.Keep 1":     "0 -1 -1 r0=-1", // to the heap
		"example.com/p.Read 1":     "-1 -1 -1 r0=-1",
		"example.com/p.Pass 1":     "-1 -1 -1 r0=0", // to the result
		"example.com/p.Content 1":  "1 -1 -1 r0=-1", // its content, to the heap
		"example.com/p.(*T).Set 2": "0 -1 -1 r0=-1",
		"example.com/p.(*T).Set 1": "-1 0 -1 r0=-1", // the receiver is written through
		"example.com/p.T.Get 1":    "-1 -1 -1 r0=0", // a field of the value: no dereference
		"example.com/p.Append 1":   "0 -1 -1 r0=-1",
	} {
		if got[key] != want {
			t.Errorf("%s: got %q, want %q", key, got[key], want)
		}
	}
	if _, ok := got["example.com/p.Scalar 1"]; ok {
		t.Errorf("a scalar parameter was recorded")
	}
}

// inlinedSrc has inlinable callees called from a function, a method, a
// generic function, a function literal and a method value.
const inlinedSrc = `package p

type T struct{ a int }

func Add(a, b int) int       { return a + b }
func (t *T) Get() int        { return t.a }
func Max[E int | float64](a, b E) E {
	if a > b {
		return a
	}
	return b
}
func Twice(a int) int        { return Add(a, a) }
func (t *T) Double() int     { return Add(t.Get(), t.Get()) }
func Bigger(a, b int) int    { return Max(a, b) }
func Lit(x int) func() int   { return func() int { return Add(x, 1) } }
func Value(t *T) func() int  { return t.Get }
`

// TestInlinedPrologues: with $GOHOT_INLINE=record, a function inlined into
// a function of the source goes without its prologue there, and the
// archive says where; a function literal keeps the prologues of what it
// inlines (its callers' patches do not replace a closure made earlier),
// as do wrappers; =keep (or unset) keeps every prologue and records
// nothing; =drop drops them all, literals included, and records them.
func TestInlinedPrologues(t *testing.T) {
	hot := testCompiler(t)
	dir := t.TempDir()
	res, err := rewriter.Rewrite(rewriter.Config{ImportPath: "example.com/p", GoVersion: "go1.22", Closures: true}, []rewriter.File{{Name: "p.go", Src: []byte(inlinedSrc)}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "p.go")
	if err := os.WriteFile(file, res.Files[0].Src, 0o644); err != nil {
		t.Fatal(err)
	}
	// slotReads compiles the package and returns, for each function, the
	// slots of other functions its code reads, and the archive.
	slotReads := func(mode string) (map[string][]string, string) {
		archive := filepath.Join(dir, mode+".a")
		cmd := exec.Command(hot.Path, "-p", "example.com/p", "-S", "-o", archive, "-pack", file)
		cmd.Env = append(os.Environ(), InlineEnv+"="+mode)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		reads := map[string][]string{}
		fn := ""
		text := regexp.MustCompile(`^(example\.com/p\.\S+) STEXT`)
		slot := regexp.MustCompile(`example\.com/p\.(GoHotS_\w+)\(SB\)`)
		for _, line := range strings.Split(string(out), "\n") {
			if m := text.FindStringSubmatch(line); m != nil {
				fn = strings.TrimPrefix(m[1], "example.com/p.")
				continue
			}
			if m := slot.FindStringSubmatch(line); m != nil && fn != "" {
				own, _, _ := strings.Cut(fn, "[")
				own = "GoHotS_" + strings.NewReplacer("(*", "", ")", "", ".", "_").Replace(own)
				if m[1] != own && !slices.Contains(reads[fn], m[1]) {
					reads[fn] = append(reads[fn], m[1])
				}
			}
		}
		return reads, archive
	}
	keep, keepArchive := slotReads(InlineKeep)
	if !slices.Contains(keep["Twice"], "GoHotS_Add") || !slices.Contains(keep["(*T).Double"], "GoHotS_T_Get") {
		t.Fatalf("keep: the inlined copies lost their prologues: %v", keep)
	}
	if got, err := ReadInlined(keepArchive); err != nil || len(got) != 0 {
		t.Fatalf("keep: recorded %v, %v", got, err)
	}
	rec, recArchive := slotReads(InlineRecord)
	for _, fn := range []string{"Twice", "(*T).Double", "Bigger"} {
		if len(rec[fn]) != 0 {
			t.Errorf("record: %s still reads %v", fn, rec[fn])
		}
	}
	if !slices.Contains(rec["Lit.func1"], "GoHotS_Add") {
		t.Errorf("record: the function literal lost the prologue of Add: %v", rec)
	}
	got, err := ReadInlined(recArchive)
	if err != nil {
		t.Fatal(err)
	}
	for callee, callers := range map[string][]string{
		"example.com/p.Add":               {"example.com/p.(*T).Double", "example.com/p.Twice"},
		"example.com/p.(*T).Get":          {"example.com/p.(*T).Double"},
		"example.com/p.Max[go.shape.int]": {"example.com/p.Bigger"},
	} {
		sort.Strings(got[callee])
		if strings.Join(got[callee], " ") != strings.Join(callers, " ") {
			t.Errorf("record: %s inlined into %v, want %v", callee, got[callee], callers)
		}
	}
	drop, dropArchive := slotReads(InlineDrop)
	if slices.Contains(drop["Lit.func1"], "GoHotS_Add") || len(drop["Twice"]) != 0 {
		t.Errorf("drop: prologues kept: %v", drop)
	}
	if got, err := ReadInlined(dropArchive); err != nil || !slices.Contains(got["example.com/p.Add"], "example.com/p.Lit.func1") {
		t.Fatalf("drop: the literal's inlined Add is not recorded: %v, %v", got, err)
	}
}
