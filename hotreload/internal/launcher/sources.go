package launcher

import (
	"path/filepath"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/watch"
)

// watchDirs are the directories whose changes are patched in: the main
// module's packages' and those their embedded files are in.
func (r *run) watchDirs() []string {
	var dirs []string
	seen := map[string]bool{}
	for _, p := range r.kit.Packages {
		if p.Main && !seen[p.Dir] {
			seen[p.Dir] = true
			dirs = append(dirs, p.Dir)
		}
	}
	for _, d := range r.kit.EmbedDirs() {
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// relevant says which files the watcher reports: Go sources, the files
// the main module's packages embed (a change to one cannot be patched
// in, and is said so), and the watched directories themselves (one
// removed or renamed away may report nothing else: sourceWatch).
func (r *run) relevant() func(name string) bool {
	embedded := map[string]bool{}
	for _, p := range r.kit.Packages {
		if p.Main {
			for name := range p.Embeds {
				embedded[filepath.Join(p.Dir, filepath.FromSlash(name))] = true
			}
		}
	}
	for _, d := range r.watchDirs() {
		embedded[filepath.Clean(d)] = true
	}
	return func(name string) bool { return watch.Relevant(name) || embedded[filepath.Clean(name)] }
}

// rel is a file's path relative to the main module, for events.
func (r *run) rel(f string) string {
	if r.kit != nil {
		if rel, err := filepath.Rel(r.kit.ModuleDir, f); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return f
}
