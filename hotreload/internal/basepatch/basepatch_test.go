package basepatch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// newKit lays out a kit: archives with the given contents, patchable
// packages' snapshots and current sources.
func newKit(t *testing.T, goVersion string, archives map[string]string, sources map[string]string) *kit.Kit {
	t.Helper()
	dir := t.TempDir()
	k := &kit.Kit{Format: kit.Format, Dir: dir, GoVersion: goVersion, Wrapper: "hotreload sha256:1", Packages: map[string]*kit.Package{}}
	for path, content := range archives {
		name := filepath.Join("archives", strings.ReplaceAll(path, "/", "_")+".a")
		write(t, filepath.Join(dir, name), content)
		k.Packages[path] = &kit.Package{ImportPath: path, Archive: name, Standard: !strings.Contains(path, ".")}
	}
	for path, src := range sources {
		p := k.Packages[path]
		p.Main, p.Files, p.Dir = true, []string{"x.go"}, filepath.Join(dir, "work", path)
		write(t, filepath.Join(k.SourceDir(path), "x.go"), src)
		write(t, filepath.Join(p.Dir, "x.go"), src)
	}
	return k
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	archives := map[string]string{"strings": "s1", "example.com/dep": "d1", "example.com/app/lib": "l1", "example.com/app/flags": "f1"}
	sources := map[string]string{"example.com/app/lib": "package lib // v1\n", "example.com/app/flags": "package flags\n"}
	base := newKit(t, "go1.26.8", archives, sources)

	same := newKit(t, "go1.26.8", archives, sources)
	if probs, err := Check(base, same); err != nil || len(probs) != 0 {
		t.Fatalf("identical builds: %v %v", probs, err)
	}

	// An edited workspace package: the patcher's business, not a problem.
	edited := newKit(t, "go1.26.8",
		map[string]string{"strings": "s1", "example.com/dep": "d1", "example.com/app/lib": "l2", "example.com/app/flags": "f1"},
		map[string]string{"example.com/app/lib": "package lib // v2\n", "example.com/app/flags": "package flags\n"})
	if probs, err := Check(base, edited); err != nil || len(probs) != 0 {
		t.Fatalf("an edited package: %v %v", probs, err)
	}

	// Everything a patch cannot carry.
	bad := newKit(t, "go1.27.0",
		map[string]string{"strings": "s2", "example.com/dep": "d2", "example.com/app/lib": "l1", "example.com/app/flags": "f2", "example.com/new": "n"},
		sources)
	bad.Wrapper = "hotreload sha256:2"
	probs, err := Check(base, bad)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"the base was built with go1.26.8, this build uses go1.27.0",
		"the base was instrumented by another hotreload",
		"package strings: its compiled form differs from the base's (another Go toolchain",
		"package example.com/dep: its compiled form differs from the base's (another version of this dependency",
		"package example.com/app/flags: its compiled form differs from the base's though its sources are the same",
		"package example.com/new: is not part of the base binary",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "example.com/app/lib") {
		t.Errorf("an unchanged package with the same archive is reported:\n%s", all)
	}
	msg := (&Error{Problems: probs}).Error()
	if !strings.HasPrefix(msg, "this build cannot patch the base binary (rebuild and redeploy it instead):") {
		t.Errorf("error message: %s", msg)
	}
}
