package gazelle

// Golden BUILD-file tests, in the style of Gazelle's gazelle_generation_test
// but under plain `go test`: each directory under testdata/ is a workspace.
// Its files are copied to a temporary directory, with every BUILD.in
// renamed BUILD.bazel; Gazelle's real update command (the same code
// gazelle_binary runs: walk, Go extension, this extension, merge, resolve,
// load fixing) runs over it; then every directory must hold a BUILD.bazel
// equal to its BUILD.out, and directories without a BUILD.out none. A
// second run must change nothing (the output is Gazelle's fixed point).
//
//	go test ./gazelle -run TestGolden -update   # rewrite the BUILD.out files (review the diff!)

import (
	"bytes"
	"context"
	"flag"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bazel-contrib/bazel-gazelle/v2/cmd/gazelle/update"
	"github.com/bazelbuild/bazel-gazelle/language"
	golang "github.com/bazelbuild/bazel-gazelle/language/go"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*/**/BUILD.out with what Gazelle generates")

// logMu serializes the tests that capture the log package's output.
var logMu sync.Mutex

// runGazelle runs `gazelle update` with Go's extension and this one (in
// gazelle_binary's order) on the workspace at dir, and returns what it
// logged.
func runGazelle(t *testing.T, dir string, args ...string) string {
	t.Helper()
	logMu.Lock()
	defer logMu.Unlock()
	var buf bytes.Buffer
	defer captureLog(&buf)()
	langs := []language.Language{golang.NewLanguage(), NewLanguage()}
	// -repo_root: the copy is its own workspace. -go_naming_convention: new
	// BUILD files would otherwise pick one from the workspace's others.
	all := append([]string{"-repo_root=" + dir, "-go_naming_convention=import"}, args...)
	if err := update.Run(context.Background(), langs, dir, all); err != nil {
		t.Fatalf("gazelle %s: %v\nlog:\n%s", strings.Join(all, " "), err, buf.String())
	}
	return buf.String()
}

// captureLog sends the log package's output to w, without timestamps as
// in Gazelle's main, until restore is called.
func captureLog(w io.Writer) (restore func()) {
	flags := log.Flags()
	log.SetOutput(w)
	log.SetFlags(0)
	return func() {
		log.SetOutput(os.Stderr)
		log.SetFlags(flags)
	}
}

// layOut copies testdata/<name> to a new directory, BUILD.in files as
// BUILD.bazel and without the BUILD.out files.
func layOut(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("testdata", name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		switch d.Name() {
		case "BUILD.out", "arguments.txt", "expected_log.txt":
			return nil
		case "BUILD.in":
			rel = filepath.Join(filepath.Dir(rel), "BUILD.bazel")
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		n++
		t.Run(c.Name(), func(t *testing.T) { golden(t, c.Name()) })
	}
	if n == 0 {
		t.Fatal("no test cases in testdata")
	}
}

func golden(t *testing.T, name string) {
	dir := layOut(t, name)
	src := filepath.Join("testdata", name)
	var args []string
	if b, err := os.ReadFile(filepath.Join(src, "arguments.txt")); err == nil {
		args = strings.Fields(string(b))
	}
	check := func() {}
	if setup := goldenSetup[name]; setup != nil {
		check = setup(t, dir)
	}

	logged := runGazelle(t, dir, args...)
	want, _ := os.ReadFile(filepath.Join(src, "expected_log.txt"))
	if got := strings.TrimSpace(logged); got != strings.TrimSpace(string(want)) {
		t.Errorf("gazelle logged:\n%s\nwant:\n%s", got, want)
	}

	got := buildFiles(t, dir)
	if *updateGolden {
		writeGolden(t, src, got)
		return
	}
	wantFiles := map[string]string{}
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "BUILD.out" {
			rel, _ := filepath.Rel(src, filepath.Dir(p))
			b, _ := os.ReadFile(p)
			wantFiles[rel] = string(b)
		}
		return nil
	})
	compare(t, got, wantFiles)
	check()

	// Idempotence: Gazelle over its own output changes nothing.
	if logged := runGazelle(t, dir, args...); strings.TrimSpace(logged) != strings.TrimSpace(string(want)) {
		t.Errorf("second run logged:\n%s", logged)
	}
	compare(t, buildFiles(t, dir), wantFiles)
}

// goldenSetup prepares what testdata cannot hold, and returns a check of
// the result beyond the BUILD files.
var goldenSetup = map[string]func(t *testing.T, dir string) (check func()){
	// A bazel-* output link to a tree of Go sources: Gazelle must not walk
	// into it (a link checked into testdata would point nowhere, and the
	// comparison of BUILD files does not follow links either).
	"exclude": func(t *testing.T, dir string) func() {
		out := t.TempDir()
		write(t, filepath.Join(out, "bin", "main.go"), "package main\n\nfunc main() {}\n")
		if err := os.Symlink(out, filepath.Join(dir, "bazel-out")); err != nil {
			t.Fatal(err)
		}
		return func() {
			if files := buildFiles(t, out); len(files) != 0 {
				t.Errorf("Gazelle wrote BUILD files through the bazel-out link: %v", files)
			}
		}
	},
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

// buildFiles returns the BUILD.bazel files under dir by directory.
func buildFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == "BUILD.bazel" || d.Name() == "BUILD" {
			rel, _ := filepath.Rel(dir, filepath.Dir(p))
			if d.Name() == "BUILD" {
				t.Errorf("%s: Gazelle wrote a BUILD file, not BUILD.bazel", rel)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func compare(t *testing.T, got, want map[string]string) {
	t.Helper()
	for dir, w := range want {
		g, ok := got[dir]
		if !ok {
			t.Errorf("%s: no BUILD.bazel, want:\n%s", dir, w)
		} else if g != w {
			t.Errorf("%s/BUILD.bazel:\n%s\nwant (BUILD.out):\n%s", dir, g, w)
		}
	}
	for dir, g := range got {
		if _, ok := want[dir]; !ok {
			t.Errorf("%s: unexpected BUILD.bazel:\n%s", dir, g)
		}
	}
}

func writeGolden(t *testing.T, src string, got map[string]string) {
	t.Helper()
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "BUILD.out" {
			os.Remove(p)
		}
		return nil
	})
	for dir, content := range got {
		if err := os.WriteFile(filepath.Join(src, dir, "BUILD.out"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
