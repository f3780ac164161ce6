package rewriter

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"go/version"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want/ sections of testdata/*.txtar from the current output")

// A golden case is one testdata/NAME.txtar archive:
//
//	-- config --           hotrewrite-style flags: -p path -race -noescape
//	                       -lang go1.N, and -check build|compile
//	-- a.go --             the package's files (root-level .go sections),
//	                       rewritten in archive order
//	-- dep/b.go --         .go files in a directory: another package of the
//	                       same module, rewritten too and compiled with the
//	                       case (its output is not compared)
//	-- stub.s --           any other section: written next to the outputs
//	-- want/a.go --        the expected rewrite of a.go
//	-- want/manifest.json --
//
// Every case is also compiled for real (see compileCheck).
type goldenCase struct {
	name   string
	file   string
	ar     *txtar.Archive
	cfg    Config
	check  string
	inputs []File
	extra  []txtar.File // sections that are neither config, input nor want
	wants  map[string][]byte
}

func loadGolden(t testing.TB) []*goldenCase {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no testdata/*.txtar")
	}
	sort.Strings(names)
	var cases []*goldenCase
	for _, n := range names {
		ar, err := txtar.ParseFile(n)
		if err != nil {
			t.Fatal(err)
		}
		c := &goldenCase{
			name:  strings.TrimSuffix(filepath.Base(n), ".txtar"),
			file:  n,
			ar:    ar,
			check: "build",
			wants: map[string][]byte{},
		}
		c.cfg.ImportPath = "example.com/" + c.name
		for _, f := range ar.Files {
			switch {
			case f.Name == "config":
				if err := c.parseConfig(string(f.Data)); err != nil {
					t.Fatalf("%s: config: %v", n, err)
				}
			case strings.HasPrefix(f.Name, "want/"):
				c.wants[f.Name] = f.Data
			case strings.HasSuffix(f.Name, ".go") && !strings.Contains(f.Name, "/"):
				c.inputs = append(c.inputs, File{Name: f.Name, Src: f.Data})
			default:
				c.extra = append(c.extra, f)
			}
		}
		if len(c.inputs) == 0 {
			t.Fatalf("%s: no input .go files", n)
		}
		cases = append(cases, c)
	}
	return cases
}

func (c *goldenCase) parseConfig(s string) error {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.StringVar(&c.cfg.ImportPath, "p", c.cfg.ImportPath, "")
	fs.BoolVar(&c.cfg.Race, "race", false, "")
	fs.BoolVar(&c.cfg.NoEscape, "noescape", false, "")
	fs.StringVar(&c.cfg.GoVersion, "lang", "", "")
	fs.StringVar(&c.check, "check", c.check, "")
	if err := fs.Parse(strings.Fields(s)); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected %q", fs.Args())
	}
	if c.check != "build" && c.check != "compile" {
		return fmt.Errorf("-check must be build or compile")
	}
	return nil
}

func manifestJSON(t testing.TB, m Manifest) []byte {
	b, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestGolden(t *testing.T) {
	for _, c := range loadGolden(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := Rewrite(c.cfg, c.inputs)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]byte{}
			var order []string
			for _, f := range res.Files {
				got["want/"+f.Name] = f.Src
				order = append(order, "want/"+f.Name)
			}
			got["want/manifest.json"] = manifestJSON(t, res.Manifest)
			order = append(order, "want/manifest.json")

			if *update {
				ar := &txtar.Archive{Comment: c.ar.Comment}
				for _, f := range c.ar.Files {
					if !strings.HasPrefix(f.Name, "want/") {
						ar.Files = append(ar.Files, f)
					}
				}
				for _, n := range order {
					ar.Files = append(ar.Files, txtar.File{Name: n, Data: got[n]})
				}
				if err := os.WriteFile(c.file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				for _, n := range order {
					want, ok := c.wants[n]
					if !ok {
						t.Errorf("%s: no %s section (run with -update)", c.file, n)
						continue
					}
					if d := firstDiff(want, got[n]); d != "" {
						t.Errorf("%s: %s differs (run with -update):\n%s", c.file, n, d)
					}
				}
				for n := range c.wants {
					if _, ok := got[n]; !ok {
						t.Errorf("%s: stale section %s", c.file, n)
					}
				}
			}

			for i, f := range res.Files {
				for _, e := range positionErrors(f.Name, c.inputs[i].Src, f.Src) {
					t.Error(e)
				}
			}
			compileCheck(t, c, res.Files)
		})
	}
}

// firstDiff describes the first line where want and got differ, or "".
func firstDiff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; ; i++ {
		switch {
		case i >= len(w):
			return fmt.Sprintf("line %d: unexpected %q", i+1, g[i])
		case i >= len(g):
			return fmt.Sprintf("line %d: missing %q", i+1, w[i])
		case w[i] != g[i]:
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, w[i], g[i])
		}
	}
}

// compileCheck compiles the rewritten package (and any other package of the
// case, rewritten the same way) with the real go command, so that a golden
// that does not compile fails the test.
//
// -check build (the default) runs "go build" on a module holding the
// files. -check compile runs the compiler directly on the files, as the
// go command would after cgo: the go command ignores files whose names
// start with "_", and only files named _cgo_* may carry cgo directives.
func compileCheck(t *testing.T, c *goldenCase, out []File) {
	t.Helper()
	if testing.Short() {
		t.Log("-short: not compiling")
		return
	}
	dir := t.TempDir()
	lang := version.Lang(runtime.Version())
	if c.cfg.GoVersion != "" {
		lang = c.cfg.GoVersion
	}
	module := "golden.test/" + c.name
	write := func(name string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", fmt.Appendf(nil, "module %s\n\ngo %s\n", module, strings.TrimPrefix(lang, "go")))
	for _, f := range out {
		write(f.Name, f.Src)
	}
	deps := map[string][]File{}
	for _, f := range c.extra {
		if strings.HasSuffix(f.Name, ".go") {
			d := path.Dir(f.Name)
			deps[d] = append(deps[d], File{Name: f.Name, Src: f.Data})
		} else {
			write(f.Name, f.Data)
		}
	}
	for d, files := range deps {
		cfg := c.cfg
		cfg.ImportPath = module + "/" + d
		res, err := Rewrite(cfg, files)
		if err != nil {
			t.Fatalf("package %s: %v", d, err)
		}
		for _, f := range res.Files {
			write(f.Name, f.Src)
		}
	}

	if c.check == "build" {
		goCmd(t, dir, nil, "build", "-o", os.DevNull, "./...")
		return
	}
	// Only the root package: what "go tool compile" gets from cmd/go.
	imports := map[string]bool{}
	var names []string
	for _, f := range out {
		af, err := parser.ParseFile(token.NewFileSet(), f.Name, f.Src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range af.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			if p != "unsafe" && p != "C" {
				imports[p] = true
			}
		}
		names = append(names, f.Name)
	}
	if imports["runtime/cgo"] && !haveCC() {
		t.Skip("no C compiler: cannot build runtime/cgo to compile against")
	}
	cfg := goCmd(t, dir, []string{"CGO_ENABLED=1"}, append([]string{"list", "-export", "-deps",
		"-f", "{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}"}, sortedKeys(imports)...)...)
	write("importcfg", cfg)
	goCmd(t, dir, nil, append([]string{"tool", "compile", "-p", module, "-lang=" + lang,
		"-importcfg", "importcfg", "-pack", "-o", "pkg.a"}, names...)...)
}

func haveCC() bool {
	for _, cc := range []string{os.Getenv("CC"), "gcc", "clang", "cc"} {
		if cc != "" {
			if _, err := exec.LookPath(cc); err == nil {
				return true
			}
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var goEnvOnce = sync.OnceValue(func() []string {
	return append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod")
})

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(goEnvOnce(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s%s", strings.Join(args, " "), dir, err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}
