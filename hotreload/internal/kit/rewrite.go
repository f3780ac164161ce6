package kit

import (
	"encoding/json"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"

	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// ManifestFile is the name of a package's rewrite manifest in its
// RewriteDir.
const ManifestFile = "manifest.json"

// RewriteDir is where the record of a main-module package's rewrite is:
// the rewritten sources, as the hot build compiled them, and ManifestFile,
// the rewriter's manifest (every slot, alias, accessor and wrapper it
// generated, every function it skipped and why).
func (k *Kit) RewriteDir(importPath string) string {
	return filepath.Join(k.Dir, "rewritten", filepath.FromSlash(importPath))
}

// RewriteSettings are the settings the hot build rewrote a package with:
// what the compiler was told about it (its -p, -lang, -race).
func (k *Kit) RewriteSettings(p *Package) instrument.Settings {
	link := p.LinkPath()
	if p.Name == "main" {
		link = "main" // a command is compiled as package main by either front end
	}
	return instrument.Settings{LinkPath: link, Lang: p.Lang, Race: k.Race, Closures: p.Main, Cgo: p.Cgo}
}

// RecordRewrites records the rewrite of every main-module package (but cgo
// ones, compiled from cgo's output) from its snapshot, and checks it
// against the package as compiled: every name the manifest gives must be
// in the archive's export data, or the record is not what the build
// compiled and no patch could be built from it. Both producers of a kit
// (Snapshot + RecordArchives for the go command, bazelkit for Bazel) call
// it once the archives are recorded; the patcher reads the record
// (Manifest) instead of rewriting again. It returns how many packages it
// recorded.
func (k *Kit) RecordRewrites() (int, error) {
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", k.OpenArchive)
	n := 0
	for _, p := range k.sortedPackages() {
		if !p.Main || p.Cgo || len(p.Files) == 0 {
			continue
		}
		files := make([]rewriter.File, len(p.Files))
		for i, name := range p.Files {
			src, err := os.ReadFile(filepath.Join(k.SourceDir(p.ImportPath), name))
			if err != nil {
				return n, err
			}
			files[i] = rewriter.File{Name: name, Src: src}
		}
		res, err := rewriter.Rewrite(k.RewriteSettings(p).Config(), files)
		if err != nil {
			return n, fmt.Errorf("rewriting %s: %v", p.ImportPath, err)
		}
		if k.ExportPath(p.ImportPath) != "" {
			if err := checkCompiled(imp, p.ImportPath, &res.Manifest); err != nil {
				return n, err
			}
		}
		dir := k.RewriteDir(p.ImportPath)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return n, err
		}
		for _, f := range res.Files {
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), f.Src, 0o644); err != nil {
				return n, err
			}
		}
		man, err := json.MarshalIndent(res.Manifest, "", "\t")
		if err != nil {
			return n, err
		}
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(man, '\n'), 0o644); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// checkCompiled checks that every generated name of man is declared by
// the compiled package.
func checkCompiled(imp types.Importer, importPath string, man *rewriter.Manifest) error {
	pkg, err := imp.Import(importPath)
	if err != nil {
		return fmt.Errorf("reading the compiled %s: %v", importPath, err)
	}
	var names []string
	for _, f := range man.Funcs {
		names = append(names, f.Slot, f.Loader, f.Wrapper)
	}
	for _, t := range man.Types {
		names = append(names, t.Alias)
		for _, fl := range t.Fields {
			names = append(names, fl.Accessor)
		}
	}
	for _, v := range man.Vars {
		names = append(names, v.Accessor)
	}
	var missing []string
	for _, name := range names {
		if name != "" && pkg.Scope().Lookup(name) == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("the hot build of %s did not compile the rewrite the patch kit records (missing %v): the compile wrapper and the kit disagree on its settings; rebuild with one hotreload", importPath, missing[:min(len(missing), 5)])
	}
	return nil
}

// Rewritten lists the packages whose rewrite the kit records.
func (k *Kit) Rewritten() []string {
	var out []string
	for _, p := range k.sortedPackages() {
		if _, err := os.Stat(filepath.Join(k.RewriteDir(p.ImportPath), ManifestFile)); err == nil {
			out = append(out, p.ImportPath)
		}
	}
	return out
}

// Manifest returns the recorded rewrite manifest of a main-module package.
func (k *Kit) Manifest(importPath string) (*rewriter.Manifest, error) {
	b, err := os.ReadFile(filepath.Join(k.RewriteDir(importPath), ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("the patch kit has no record of how %s was instrumented: %v", importPath, err)
	}
	var man rewriter.Manifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, fmt.Errorf("the patch kit's record of %s: %v", importPath, err)
	}
	return &man, nil
}
