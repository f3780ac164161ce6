package kit_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

// A package whose generated names depend on the path it is compiled as:
// with a dot import the rewriter takes a prefix hashed from that path.
const dotLib = `package lib

import . "strings"

func Shout(s string) string { return ToUpper(s) + "!" }

type counter struct{ n int }

func (c *counter) incr() { c.n++ }

var hits int
`

// compileHot compiles lib.go as linkPath through the real compile wrapper
// (the one the go command's -toolexec and the Bazel hot SDK run) and
// returns the archive.
func compileHot(t *testing.T, dir, linkPath string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-export", "-f", "packagefile {{.ImportPath}}={{.Export}}", "strings").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	cfg := filepath.Join(dir, "importcfg")
	if err := os.WriteFile(cfg, out, 0o644); err != nil {
		t.Fatal(err)
	}
	tool, err := exec.Command("go", "env", "GOTOOLDIR").Output()
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "lib.a")
	var stdout, stderr bytes.Buffer
	args := []string{filepath.Join(strings.TrimSpace(string(tool)), "compile"), "-p", linkPath, "-lang=go1.26", "-importcfg", cfg, "-pack", "-o", archive, filepath.Join(dir, "src", "lib.go")}
	if code := toolexec.Run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("hot compile: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	return archive
}

// TestRecordedSlotsAreCompiledOnes: under an importmap (Bazel's, for a
// vendored or remapped package) the kit records the names the compile
// wrapper generated — the patcher reads that record — and a record made
// under the package's import path instead is caught, not used.
func TestRecordedSlotsAreCompiledOnes(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "lib.go"), []byte(dotLib), 0o644); err != nil {
		t.Fatal(err)
	}
	const importPath, linkPath = "example.com/lib", "example.com/vendor/example.com/lib"
	archive := compileHot(t, dir, linkPath)

	newKit := func(importMap string) *kit.Kit {
		k := &kit.Kit{Format: kit.Format, Dir: filepath.Join(dir, "kit-"+filepath.Base(importMap)), Packages: map[string]*kit.Package{
			importPath: {ImportPath: importPath, ImportMap: importMap, Name: "lib", Dir: filepath.Join(dir, "src"), Files: []string{"lib.go"}, Archive: archive, Main: true, Lang: "go1.26"},
		}}
		if err := os.MkdirAll(k.SourceDir(importPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := kit.LinkOrCopy(filepath.Join(dir, "src", "lib.go"), filepath.Join(k.SourceDir(importPath), "lib.go")); err != nil {
			t.Fatal(err)
		}
		return k
	}

	k := newKit(linkPath)
	if n, err := k.RecordRewrites(); err != nil || n != 1 {
		t.Fatalf("RecordRewrites: %d, %v", n, err)
	}
	man, err := k.Manifest(importPath)
	if err != nil {
		t.Fatal(err)
	}
	nm, err := exec.Command("go", "tool", "nm", archive).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	if len(man.Funcs) != 2 {
		t.Fatalf("manifest funcs %+v, want Shout and counter.incr", man.Funcs)
	}
	for _, f := range man.Funcs {
		// The symbol the compiled archive defines for the slot.
		if sym := " B " + linkPath + "." + f.Slot + "\n"; !strings.Contains(string(nm), sym) {
			t.Errorf("slot %s of %s: the archive defines no %q:\n%s", f.Slot, f.Name, strings.TrimSpace(sym), nm)
		}
	}
	if !strings.HasPrefix(man.Prefix, "GoHotD") {
		t.Errorf("prefix %q: the test needs a package whose names depend on its link path", man.Prefix)
	}

	// What the patcher did before the kit recorded rewrites: rewrite again
	// under the import path. Its names are not the compiled ones.
	if _, err := newKit("").RecordRewrites(); err == nil || !strings.Contains(err.Error(), "did not compile the rewrite") {
		t.Errorf("a record under the import path, not the compiled path: %v, want it refused", err)
	}
}
