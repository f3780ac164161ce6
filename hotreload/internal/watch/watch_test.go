package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// next returns the next batch, or nil if none comes within d.
func next(w *Watcher, d time.Duration) []string {
	select {
	case b := <-w.C:
		return b
	case <-time.After(d):
		return nil
	}
}

// TestSavePatterns: each way editors save makes exactly one batch naming
// the file; tests, non-Go files and editor temporaries make none.
func TestSavePatterns(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	if err := os.WriteFile(file, []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := New([]string{dir}, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	saves := map[string]func(){
		"write in place": func() {
			f, _ := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0o644)
			f.WriteString("package a\n")
			f.Sync()
			f.WriteString("// x\n")
			f.Close()
		},
		"write and rename": func() {
			tmp := filepath.Join(dir, ".a.go.swp")
			os.WriteFile(tmp, []byte("package a // y\n"), 0o644)
			os.Rename(tmp, file)
		},
		"delete and create": func() {
			os.Remove(file)
			os.WriteFile(file, []byte("package a // z\n"), 0o644)
		},
	}
	for _, name := range []string{"write in place", "write and rename", "delete and create"} {
		saves[name]()
		if b := next(w, 3*time.Second); !slices.Equal(b, []string{file}) {
			t.Errorf("%s: batch %q, want [%s]", name, b, file)
		}
		if b := next(w, 300*time.Millisecond); b != nil {
			t.Errorf("%s: a second batch %q", name, b)
		}
	}

	for _, n := range []string{"a_test.go", "README.md", ".#a.go", "_x.go"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	if b := next(w, 500*time.Millisecond); b != nil {
		t.Errorf("irrelevant files made a batch: %q", b)
	}
}

func TestRelevant(t *testing.T) {
	for name, want := range map[string]bool{
		"/x/main.go": true, "/x/main_test.go": false, "/x/.main.go.swp": false,
		"/x/main.go~": false, "/x/#main.go#": false, "/x/notes.txt": false, "/x/_gen.go": false,
	} {
		if got := Relevant(name); got != want {
			t.Errorf("Relevant(%q) = %v", name, got)
		}
	}
}
