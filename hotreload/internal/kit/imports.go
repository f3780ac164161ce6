package kit

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
)

// ImportsOf lists the imports of a package's files (names in dir), read
// from their import declarations; a file that does not parse (being
// written) is left out.
func ImportsOf(dir string, files []string) []string {
	var out []string
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, imp := range f.Imports {
			if p, err := strconv.Unquote(imp.Path.Value); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// Importers returns the main-module packages of k that import one of pkgs,
// directly or through others (pkgs themselves left out), as their current
// files (in Dir) say.
func (k *Kit) Importers(pkgs map[string]bool) map[string]bool {
	imports := map[string][]string{}
	for path, p := range k.Packages {
		if p.Main && !pkgs[path] {
			imports[path] = ImportsOf(p.Dir, p.Files)
		}
	}
	return ImportersIn(pkgs, imports)
}

// ImportersIn returns the packages of imports (import path → its imports)
// that import one of pkgs, directly or through others.
func ImportersIn(pkgs map[string]bool, imports map[string][]string) map[string]bool {
	in := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for p, deps := range imports {
			if in[p] || pkgs[p] {
				continue
			}
			for _, d := range deps {
				if in[d] || pkgs[d] {
					in[p], changed = true, true
					break
				}
			}
		}
	}
	return in
}
