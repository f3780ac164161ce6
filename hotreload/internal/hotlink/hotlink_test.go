package hotlink

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestFixesApply: every fix applies to this toolchain's linker source
// exactly once.
func TestFixesApply(t *testing.T) {
	internal := filepath.Join(runtime.GOROOT(), "src", "cmd", "link", "internal")
	texts, key, err := fixedSources(internal, runtime.Version())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, runtime.Version()+"-") {
		t.Errorf("key %q does not name the Go version", key)
	}
	// The added file reads the variable this package sets (its name is
	// spelled there too: the file is the linker's, not this package's).
	if !strings.Contains(texts["ld/hotlink_flagcache.go"], `"`+FlagCacheEnv+`"`) {
		t.Errorf("ldsrc/flagcache.go.src does not read $%s", FlagCacheEnv)
	}
	if !strings.Contains(texts["ld/hotlink_shlib.go"], `"`+ShlibIndexEnv+`"`) {
		t.Errorf("ldsrc/shlib.go.src does not read $%s", ShlibIndexEnv)
	}
	for _, f := range fixes {
		if !strings.Contains(texts[f.File], f.New) {
			t.Errorf("%s: fix %q not in the result", f.File, f.Why)
		}
	}
}

// TestNotApplicable: a linker source without the code refuses, naming the
// file.
func TestNotApplicable(t *testing.T) {
	dir := t.TempDir()
	for _, f := range fixes {
		path := filepath.Join(dir, filepath.FromSlash(f.File))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("package "+filepath.Base(filepath.Dir(path))+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := fixedSources(dir, "go1.99")
	var na *NotApplicable
	if want := filepath.Join(dir, filepath.FromSlash(fixes[0].File)); !errors.As(err, &na) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want a NotApplicable naming %s", err, want)
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

// TestLinkerRuntimeNames: the runtime symbols a linker looks up by name
// are read from its source: literals are names, or prefixes when added
// to or ending in a dot; the bare "runtime." of a prefix test is not a
// root, and added to, it makes every runtime symbol one.
func TestLinkerRuntimeNames(t *testing.T) {
	dir := t.TempDir()
	src := `package ld

import "strings"

func f(l loader, s, name string) {
	l.Lookup("runtime.morestack", 0)
	l.Lookup("runtime.elf_"+s, 0)
	_ = strings.HasPrefix(name, "runtime.gcbits.")
	_ = strings.HasPrefix(name, "runtime.")
	_ = "go:buildid"
}
`
	if err := os.MkdirAll(filepath.Join(dir, "ld"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ld", "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	test := `package ld

var _ = "runtime.onlyInATest"
`
	if err := os.WriteFile(filepath.Join(dir, "ld", "a_test.go"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	names, prefixes, err := linkerRuntimeNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(names, " "), "runtime.morestack"; got != want {
		t.Errorf("names %q, want %q", got, want)
	}
	if got, want := strings.Join(prefixes, " "), "runtime.elf_ runtime.gcbits."; got != want {
		t.Errorf("prefixes %q, want %q", got, want)
	}

	added := "package ld\n\nfunc g(l loader, s string) { l.Lookup(\"runtime.\"+s, 0) }\n"
	if err := os.WriteFile(filepath.Join(dir, "ld", "b.go"), []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, prefixes, _ := linkerRuntimeNames(dir); !slices.Contains(prefixes, "runtime.") {
		t.Errorf("a lookup of \"runtime.\"+s did not make \"runtime.\" a prefix: %q", prefixes)
	}

	// This toolchain's linker: what a plugin's link needs by name.
	names, prefixes, err = linkerRuntimeNames(filepath.Join(runtime.GOROOT(), "src", "cmd", "link", "internal"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"runtime.morestack", "runtime.firstmoduledata", "runtime.addmoduledata", "runtime.deferreturn"} {
		if !slices.Contains(names, want) {
			t.Errorf("this linker's names miss %s", want)
		}
	}
	if !slices.Contains(prefixes, "runtime.gcbits.") || slices.Contains(prefixes, "runtime.") {
		t.Errorf("this linker's prefixes: %q", prefixes)
	}
}
