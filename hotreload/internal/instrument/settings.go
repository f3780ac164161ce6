package instrument

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// Settings are how a package is compiled, as far as its rewrite depends on
// it.
type Settings struct {
	// LinkPath is the path the package is compiled as (the compiler's -p:
	// "main" for a command, Bazel's importmap for a remapped package).
	// The rewriter derives generated names from it.
	LinkPath string
	// Lang is the package's language version (-lang), go1.N.
	Lang string
	// Race is a -race build: redirects are loaded atomically, and
	// arguments passed to them escape (but the runtime's): -race turns
	// on checkptr, which rejects the no-escape mode's laundered pointers.
	Race bool
	// Runtime is the compiler's -+ (compiling the runtime itself).
	Runtime bool
	// Closures: the package is one a user edits (the main module's), whose
	// function literals are redirected too (rewriter.Config.Closures).
	Closures bool
	// Cgo: the package has cgo files. A user's cgo package passes
	// arguments to redirects plainly even in no-escape mode: the
	// patcher's escape check compiles the base's body again from the
	// kit's record of its rewrite, which cgo packages do not have.
	Cgo bool
}

// Config is the rewriter's configuration for a package compiled so.
func (s Settings) Config() rewriter.Config {
	return rewriter.Config{
		ImportPath: s.LinkPath,
		Race:       s.Race,
		GoVersion:  s.Lang,
		NoEscape:   s.Runtime || IsRuntimePackage(s.LinkPath) || (NoEscapeAll() && !(s.Closures && s.Cgo) && !s.Race),
		Closures:   s.Closures,
	}
}

// UserFiles reports whether a compiled package's files are a user's: not
// the standard library (under goroot), not a module of the module cache
// (a path element "name@vX..."), not vendored, not a Bazel external
// repository. Those are the packages of the main module (the workspace),
// which the patch kit records with Closures set: both must agree, and the
// kit checks that they do (RecordRewrites).
func UserFiles(files []string, goroot string) bool {
	if len(files) == 0 {
		return false
	}
	for _, f := range files {
		f = filepath.ToSlash(f)
		if goroot != "" && strings.HasPrefix(f, filepath.ToSlash(goroot)+"/") {
			return false
		}
		for _, el := range strings.Split(f, "/") {
			if el == "vendor" || el == "external" || strings.Contains(el, "@v") {
				return false
			}
		}
	}
	return true
}

// Rewrite reads the package's files (names as given: they name the
// rewritten files too) and rewrites them with the package's settings.
func Rewrite(s Settings, names []string) (*rewriter.Result, error) {
	files := make([]rewriter.File, len(names))
	for i, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		files[i] = rewriter.File{Name: name, Src: src}
	}
	return rewriter.Rewrite(s.Config(), files)
}
