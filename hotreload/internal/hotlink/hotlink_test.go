package hotlink

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestFixesApply: every fix applies to this toolchain's linker source
// exactly once.
func TestFixesApply(t *testing.T) {
	ld := filepath.Join(runtime.GOROOT(), "src", "cmd", "link", "internal", "ld")
	texts, key, err := fixedSources(ld, runtime.Version())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, runtime.Version()+"-") {
		t.Errorf("key %q does not name the Go version", key)
	}
	// The added file reads the variable this package sets (its name is
	// spelled there too: the file is the linker's, not this package's).
	if !strings.Contains(texts["hotlink_flagcache.go"], `"`+FlagCacheEnv+`"`) {
		t.Errorf("ldsrc/flagcache.go.src does not read $%s", FlagCacheEnv)
	}
	if !strings.Contains(texts["hotlink_shlib.go"], `"`+ShlibIndexEnv+`"`) {
		t.Errorf("ldsrc/shlib.go.src does not read $%s", ShlibIndexEnv)
	}
	for _, f := range fixes {
		if !strings.Contains(texts[f.file], f.new) {
			t.Errorf("%s: fix %q not in the result", f.file, f.why)
		}
	}
}

// TestNotApplicable: a linker source without the code refuses, naming the
// file.
func TestNotApplicable(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"ld.go", "symtab.go", "lib.go"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("package ld\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := fixedSources(dir, "go1.99")
	var na *NotApplicable
	if !errors.As(err, &na) || !strings.Contains(err.Error(), filepath.Join(dir, "ld.go")) {
		t.Fatalf("got %v, want a NotApplicable naming ld.go", err)
	}
}

// TestBuild builds the private linker and checks it runs, once per cache.
func TestBuild(t *testing.T) {
	l := testLinker(t)
	out, err := exec.Command(l.Path, "-V=full").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "link version") {
		t.Fatalf("%s -V=full: %v\n%s", l.Path, err, out)
	}
	fi, _ := os.Stat(l.Path)
	again, err := Build(context.Background(), runtime.GOROOT(), runtime.Version(), linkerDir)
	if err != nil || again.Path != l.Path {
		t.Fatalf("second Build: %v, %v", again, err)
	}
	if fi2, _ := os.Stat(again.Path); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Errorf("the linker was built again")
	}
}
