package hotlink

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	linkerOnce sync.Once
	linker     *Linker
	linkerErr  error
	linkerDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if linkerDir != "" {
		os.RemoveAll(linkerDir)
	}
	os.Exit(code)
}

// testLinker is the private linker, built once for the package's tests.
func testLinker(t *testing.T) *Linker {
	t.Helper()
	if testing.Short() {
		t.Skip("builds cmd/link")
	}
	linkerOnce.Do(func() {
		if linkerDir, linkerErr = os.MkdirTemp("", "hotlink-test-"); linkerErr == nil {
			linker, linkerErr = Build(context.Background(), runtime.GOROOT(), runtime.Version(), linkerDir)
		}
	})
	if linkerErr != nil {
		t.Fatal(linkerErr)
	}
	return linker
}

// TestShlibIndex: a plugin linked against a shared library is the same,
// byte for byte, whether the private linker builds its index of the
// library in memory (no $GOHOT_SHLIB_INDEX), writes it, reads it back,
// finds it stale (the library rebuilt: indexed again) or damaged (ignored
// and written again).
func TestShlibIndex(t *testing.T) {
	l := testLinker(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("plugins need cgo, and there is no gcc")
	}
	work := t.TempDir()
	pkgdir := filepath.Join(work, "pkg")
	env := append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off", "GOPROXY=off", "CGO_ENABLED=1")
	run := func(extraEnv []string, dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
		cmd.Dir = dir
		cmd.Env = append(append([]string(nil), env...), extraEnv...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// A small shared library (the runtime and sync/atomic: seconds), and
	// a plugin that takes sync/atomic from it.
	run(nil, work, "install", "-buildmode=shared", "-linkshared", "-pkgdir", pkgdir, "runtime", "sync/atomic")
	lib := filepath.Join(pkgdir, "libruntime,sync-atomic.so")
	if _, err := os.Stat(lib); err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(work, "p")
	files := map[string]string{
		"go.mod": "module example.com/p\n\ngo 1.26\n",
		"p.go":   "package main\n\nimport (\n\t\"fmt\"\n\t\"sync/atomic\"\n)\n\nvar n atomic.Int64\n\nfunc init() { n.Add(1); fmt.Sprint(n.Load()) }\n",
	}
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	toolexec := filepath.Join(work, "toolexec.sh")
	script := "#!/bin/sh\ntool=\"$1\"; shift\ncase \"$tool\" in */link) exec \"$HOTLINK\" \"$@\" ;; esac\nexec \"$tool\" \"$@\"\n"
	if err := os.WriteFile(toolexec, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(work, "index")
	link := func(name string, useIndex bool) []byte {
		t.Helper()
		extra := []string{"HOTLINK=" + l.Path}
		if useIndex {
			extra = append(extra, ShlibIndexEnv+"="+index)
		}
		out := filepath.Join(work, name)
		run(extra, mod, "build", "-buildmode=plugin", "-linkshared", "-pkgdir", pkgdir, "-toolexec", toolexec, "-o", out, ".")
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	indexFile := func() (string, os.FileInfo) {
		t.Helper()
		m, _ := filepath.Glob(filepath.Join(index, "*.idx"))
		if len(m) != 1 {
			t.Fatalf("index files %v, want one", m)
		}
		fi, err := os.Stat(m[0])
		if err != nil {
			t.Fatal(err)
		}
		return m[0], fi
	}

	want := link("memory.so", false)
	if _, err := os.Stat(index); !os.IsNotExist(err) {
		t.Fatalf("a link without $%s wrote %s (%v)", ShlibIndexEnv, index, err)
	}
	if got := link("written.so", true); !bytes.Equal(got, want) {
		t.Errorf("the plugin linked while writing the index differs from the one linked without")
	}
	file, written := indexFile()

	// Linker.Index writes the same index, ahead of a link.
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(index); err != nil {
		t.Fatal(err)
	}
	if err := l.Index(context.Background(), lib, index); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, b) {
		t.Errorf("Linker.Index wrote another index (%d bytes) than a link (%d bytes)", len(again), len(b))
	}
	if err := l.Index(context.Background(), filepath.Join(work, "missing.so"), index); err == nil || !strings.Contains(err.Error(), "missing.so") {
		t.Errorf("Linker.Index of a missing library: %v, want an error naming it", err)
	}
	_, written = indexFile()
	if got := link("read.so", true); !bytes.Equal(got, want) {
		t.Errorf("the plugin linked from the index differs from the one linked without")
	}
	if _, fi := indexFile(); !fi.ModTime().Equal(written.ModTime()) {
		t.Errorf("the index was written again though the library did not change")
	}

	// An index of another version of the library (the build ID it
	// records differs: the library was rebuilt) is replaced.
	other := append([]byte(nil), b...)
	other[8+8+4] ^= 0xff // magic, size, the build ID's length, its first byte
	if err := os.WriteFile(file, other, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := link("stale.so", true); !bytes.Equal(got, want) {
		t.Errorf("the plugin linked with a stale index differs from the one linked without")
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, b) {
		t.Errorf("a stale index was not written again")
	}

	// A damaged index is not trusted.
	if err := os.WriteFile(file, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if got := link("damaged.so", true); !bytes.Equal(got, want) {
		t.Errorf("the plugin linked with a damaged index differs from the one linked without")
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, b) {
		t.Errorf("a damaged index (%d bytes) was not written again (%d bytes)", len(b)/2, len(again))
	}
}
