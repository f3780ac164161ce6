package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// target is one program and the edit the benchmark makes in it.
type target struct {
	Name    string `json:"name"`
	Dir     string `json:"dir"`     // module directory (edited in place)
	Pkg     string `json:"pkg"`     // main package, relative to Dir
	File    string `json:"file"`    // the edited file, relative to Dir
	Func    string `json:"func"`    // the edited function
	Path    string `json:"path"`    // URL path that shows the value
	Comment string `json:"comment"` // what the edit exercises

	edit    *regexp.Regexp // the line the edit replaces
	replace string         // fmt format of the new line, with the revision
	rev     *regexp.Regexp // the revision in the response
	hits    *regexp.Regexp // the in-memory counter in the response

	edits, restarts, hotRestarts int
}

// targets are the benchmark's programs by name, each with its edit and the
// rounds of each phase it gets.
func targets(visitsDir, bigDir string, edits, restarts, hotRestarts, handlerEdits int) map[string]*target {
	return map[string]*target{
		"visits": {
			Name: "visits", Dir: visitsDir, Pkg: ".", File: "store/store.go",
			Func: "example.com/visits/store.(*Store).Hit", Path: "/hit?page=bench",
			Comment: "examples/visits: 2 packages; a method of package store",
			edit:    regexp.MustCompile(`return fmt\.Sprintf\("page %s: %d hits[^"]*", page, n\)`),
			replace: `return fmt.Sprintf("page %%s: %%d hits (rev %d)", page, n)`,
			rev:     regexp.MustCompile(`\(rev (\d+)\)`),
			hits:    regexp.MustCompile(`: (\d+) hits`),
			edits:   edits, restarts: restarts, hotRestarts: hotRestarts,
		},
		"bigapp": {
			Name: "bigapp", Dir: bigDir, Pkg: "./cmd/bigapp", File: "pkg/p000/p000.go",
			Func: "example.com/bigapp/pkg/p000.(*table).revision", Path: "/value",
			Comment: "generated: 100 packages + main; an unexported method in a leaf package",
			edit:    regexp.MustCompile(`return -?\d+ // bench:edit\b`),
			replace: `return %d // bench:edit`,
			rev:     regexp.MustCompile(`rev=(\d+)`),
			hits:    regexp.MustCompile(`hits=(\d+)`),
			edits:   edits, restarts: restarts, hotRestarts: hotRestarts,
		},
		"bigapp-handler": {
			Name: "bigapp-handler", Dir: bigDir, Pkg: "./cmd/bigapp", File: "cmd/bigapp/main.go",
			Func: "main.handleValue", Path: "/value",
			Comment: "generated: the HTTP handler in package main, which calls all 20 top-layer packages",
			edit:    regexp.MustCompile(`tag := "h\d+" // bench:edit-handler`),
			replace: `tag := "h%d" // bench:edit-handler`,
			rev:     regexp.MustCompile(`tag=h(\d+)`),
			hits:    regexp.MustCompile(`hits=(\d+)`),
			edits:   handlerEdits,
		},
	}
}

// snapshotFile remembers the edited file and returns a function that puts
// it back.
func snapshotFile(t *target) func() {
	p := filepath.Join(t.Dir, t.File)
	orig, err := os.ReadFile(p)
	check(err)
	if !t.edit.Match(orig) {
		panic(fmt.Sprintf("%s has no line matching %s", p, t.edit))
	}
	return func() { os.WriteFile(p, orig, 0o644) }
}

// writeEdit replaces the edited line with one that yields rev, saving as
// many editors do: write a temporary file, rename it over the original.
func writeEdit(t *target, rev int) {
	p := filepath.Join(t.Dir, t.File)
	b, err := os.ReadFile(p)
	check(err)
	loc := t.edit.FindIndex(b)
	if loc == nil {
		panic(fmt.Sprintf("%s: no line matching %s", p, t.edit))
	}
	nb := append(append(append([]byte(nil), b[:loc[0]]...), fmt.Sprintf(t.replace, rev)...), b[loc[1]:]...)
	tmp := p + ".swp~"
	check(os.WriteFile(tmp, nb, 0o644))
	check(os.Rename(tmp, p))
}
