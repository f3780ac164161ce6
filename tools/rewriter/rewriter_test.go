package rewriter

import (
	"bytes"
	"errors"
	"go/build"
	"go/scanner"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// rewriteTwice rewrites files twice, each time from fresh copies, and fails
// unless both results are byte-identical (files and manifest).
func rewriteTwice(t *testing.T, cfg Config, files []File) *Result {
	t.Helper()
	copyFiles := func() []File {
		cp := make([]File, len(files))
		for i, f := range files {
			cp[i] = File{Name: f.Name, Src: bytes.Clone(f.Src)}
		}
		return cp
	}
	r1, err := Rewrite(cfg, copyFiles())
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Rewrite(cfg, copyFiles())
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Files) != len(files) || len(r2.Files) != len(files) {
		t.Fatalf("got %d and %d files for %d inputs", len(r1.Files), len(r2.Files), len(files))
	}
	for i := range r1.Files {
		if r1.Files[i].Name != files[i].Name {
			t.Errorf("file %d is named %s, want %s", i, r1.Files[i].Name, files[i].Name)
		}
		if !bytes.Equal(r1.Files[i].Src, r2.Files[i].Src) {
			t.Errorf("%s: two rewrites differ:\n%s", files[i].Name, firstDiff(r1.Files[i].Src, r2.Files[i].Src))
		}
	}
	if m1, m2 := manifestJSON(t, r1.Manifest), manifestJSON(t, r2.Manifest); !bytes.Equal(m1, m2) {
		t.Errorf("two manifests differ:\n%s", firstDiff(m1, m2))
	}
	return r1
}

func TestDeterministicGolden(t *testing.T) {
	for _, c := range loadGolden(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rewriteTwice(t, c.cfg, c.inputs)
		})
	}
}

// stdFiles returns the files of a standard library package that the go
// command would compile for this platform.
func stdFiles(t *testing.T, importPath string) []File {
	t.Helper()
	bp, err := build.Default.Import(importPath, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, n := range append(bp.GoFiles, bp.CgoFiles...) {
		p := filepath.Join(bp.Dir, n)
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Name: p, Src: src})
	}
	if len(files) < 10 {
		t.Fatalf("%s: only %d files", importPath, len(files))
	}
	return files
}

// TestDeterministicStd rewrites large real packages twice: the results must
// be byte-identical, and every output file must keep its lines.
func TestDeterministicStd(t *testing.T) {
	for _, tc := range []struct {
		path string
		cfg  Config
	}{
		{"net/http", Config{ImportPath: "net/http"}},
		{"runtime", Config{ImportPath: "runtime", NoEscape: true}},
		{"runtime", Config{ImportPath: "runtime", NoEscape: true, Race: true}},
	} {
		t.Run(strings.ReplaceAll(tc.path, "/", "_"), func(t *testing.T) {
			t.Parallel()
			files := stdFiles(t, tc.path)
			res := rewriteTwice(t, tc.cfg, files)
			if len(res.Manifest.Funcs) < 100 {
				t.Errorf("only %d functions instrumented", len(res.Manifest.Funcs))
			}
			for i, f := range res.Files {
				for _, e := range positionErrors(f.Name, files[i].Src, f.Src) {
					t.Error(e)
				}
			}
		})
	}
}

func TestParseError(t *testing.T) {
	files := []File{
		{Name: "dir/good.go", Src: []byte("package p\n\nfunc F() {}\n")},
		{Name: "dir/bad.go", Src: []byte("package p\n\nfunc G() {\n\treturn 1 +\n}\n")},
	}
	res, err := Rewrite(Config{ImportPath: "p"}, files)
	if err == nil {
		t.Fatal("no error")
	}
	if res != nil {
		t.Errorf("got a result with the error %v", err)
	}
	var el scanner.ErrorList
	if !errors.As(err, &el) || len(el) == 0 {
		t.Fatalf("error %v (%T) is not a scanner.ErrorList", err, err)
	}
	if got, want := el[0].Error(), "dir/bad.go:5:1: expected operand, found '}'"; got != want {
		t.Errorf("first error %q, want %q", got, want)
	}
	if !regexp.MustCompile(`(^|: )dir/bad\.go:5:1: expected operand`).MatchString(err.Error()) {
		t.Errorf("error %q does not name file:line:col", err)
	}

	if _, err := Rewrite(Config{}, nil); err == nil {
		t.Error("no error for no files")
	}
}

// TestPositionCheck makes sure that positionErrors notices what it is
// there to notice.
func TestPositionCheck(t *testing.T) {
	in := []byte("package p\n\nfunc F(x int) int {\n\treturn x\n}\n\nvar v = 1\n")
	for _, tc := range []struct {
		name, out string
		ok        bool
	}{
		{"same", string(in), true},
		{"prologue", "package p\n\nfunc F(x int) int { if h := S; h != nil { return h(x) };\n\treturn x\n}\n\nvar v = 1\n\n//line p.hot.go:1\nvar S func(int) int\n", true},
		{"line inserted", "package p\n\nfunc F(x int) int {\n\n\treturn x\n}\n\nvar v = 1\n", false},
		{"line removed", "package p\n\nfunc F(x int) int { return x\n}\n\nvar v = 1\n", false},
		{"token changed", "package p\n\nfunc F(y int) int {\n\treturn x\n}\n\nvar v = 1\n", false},
		{"does not parse", "package p\n\nfunc F(x int) int {\n\treturn x\n\nvar v = 1\n", false},
	} {
		errs := positionErrors("p.go", in, []byte(tc.out))
		if ok := len(errs) == 0; ok != tc.ok {
			t.Errorf("%s: errors %q, want ok=%v", tc.name, errs, tc.ok)
		}
	}
}

// TestNoEscapeKeepsEscape checks the point of Config.NoEscape with the
// compiler's escape analysis: a pointer argument that the original body
// does not retain must not escape in the rewritten function either, while
// a plain rewrite makes it leak into the redirect.
func TestNoEscapeKeepsEscape(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	t.Parallel()
	src := []byte("package esc\n\ntype T struct{ buf [64]byte }\n\nfunc Fill(t *T, b byte) {\n\tfor i := range t.buf {\n\t\tt.buf[i] = b\n\t}\n}\n\nfunc (t *T) Len() int { return len(t.buf) }\n")
	for _, noescape := range []bool{false, true} {
		res, err := Rewrite(Config{ImportPath: "esc", NoEscape: noescape}, []File{{Name: "esc.go", Src: src}})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module esc\n\ngo 1.26\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "esc.go"), res.Files[0].Src, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-gcflags=-m", "-o", os.DevNull, ".")
		cmd.Dir = dir
		cmd.Env = goEnvOnce()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		for _, re := range []string{`esc\.go:5:11: t does not escape`, `esc\.go:11:7: t does not escape`} {
			if got := regexp.MustCompile(re).Match(out); got != noescape {
				t.Errorf("NoEscape=%v: %q matches: %v, want %v\n%s", noescape, re, got, noescape, out)
			}
		}
	}
}
