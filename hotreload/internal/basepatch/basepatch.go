// Package basepatch builds a patch for a binary built earlier — from its
// archived patch kit (the base) and a newer build's sources — as CI does
// with go_hot_patch, and refuses, before anything is built, what would not
// load into that binary: another Go or hotreload, and packages that differ
// from the base in ways no patch can carry.
package basepatch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/patcher"
)

// Problem is one reason a patch cannot be built for the base.
type Problem struct {
	Package string // "" for the whole build
	Reason  string
}

func (p Problem) String() string {
	if p.Package == "" {
		return p.Reason
	}
	return "package " + p.Package + ": " + p.Reason
}

// Error lists the problems (refusals of rude edits included), one per line.
type Error struct {
	Problems  []Problem
	Refusals  []patcher.Refusal
	Unchanged bool
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Unchanged:
		b.WriteString("no function differs from the base: there is nothing to patch")
	case len(e.Refusals) > 0:
		fmt.Fprintf(&b, "%d edit(s) cannot be patched into the running base binary (rebuild and redeploy it instead):", len(e.Refusals))
		for _, r := range e.Refusals {
			b.WriteString("\n  " + r.String())
		}
	default:
		b.WriteString("this build cannot patch the base binary (rebuild and redeploy it instead):")
		for _, p := range e.Problems {
			b.WriteString("\n  " + p.String())
		}
	}
	return b.String()
}

// Check compares a newer build's kit (cur) with the base kit: the same Go
// and hotreload, and every package either identical to the base's or one of
// the base's patchable packages whose sources changed (the patcher then
// judges each edit).
func Check(base, cur *kit.Kit) ([]Problem, error) {
	var probs []Problem
	if base.GoVersion != cur.GoVersion {
		probs = append(probs, Problem{Reason: fmt.Sprintf("the base was built with %s, this build uses %s", base.GoVersion, cur.GoVersion)})
	}
	if base.Wrapper != cur.Wrapper {
		probs = append(probs, Problem{Reason: fmt.Sprintf("the base was instrumented by another hotreload (%s), this build by %s: build with the base's rules_go_hot version", base.Wrapper, cur.Wrapper)})
	}
	// A workspace package that imports an edited one is compiled anew
	// (its archive records what it imports) though its own sources are
	// the same: that is no other build setting.
	edited := map[string]bool{}
	for path, c := range cur.Packages {
		if b, ok := base.Packages[path]; ok && b.Main && c.Main && !sameSources(base, b, cur, c) {
			edited[path] = true
		}
	}
	dependsOnEdit := cur.Importers(edited)
	for _, path := range sortedKeys(cur.Packages) {
		c := cur.Packages[path]
		b, ok := base.Packages[path]
		if !ok {
			if c.Archive != "" || c.Main {
				probs = append(probs, Problem{path, "is not part of the base binary: a patch cannot add a package to a running program"})
			}
			continue
		}
		if b.Main && c.Main && !sameSources(base, b, cur, c) {
			continue // edited: the patcher decides, declaration by declaration
		}
		ba, ca := base.ArchivePath(path), cur.ArchivePath(path)
		if ba == "" || ca == "" {
			continue // package main, unsafe: no archive
		}
		same, err := sameFile(ba, ca)
		if err != nil {
			return nil, err
		}
		if !same && b.Main && dependsOnEdit[path] {
			continue // compiled against an edited package
		}
		if !same {
			what := "its compiled form differs from the base's"
			switch {
			case b.Standard:
				what += " (another Go toolchain, or other build settings such as race or tags)"
			case b.Main:
				what += " though its sources are the same (other compile flags: gc_goopts, tags, x_defs, race...)"
			default:
				what += " (another version of this dependency, an edited external or generated package, or other compile flags); a patch carries only functions of the workspace's own packages"
			}
			probs = append(probs, Problem{path, what})
		}
	}
	return probs, nil
}

// Build checks cur against base and builds the patch into out (the plugin)
// and out+".json" (its manifest), working in workDir. The sources it
// carries are cur's packages' current files (kit.Package.Dir).
func Build(base, cur *kit.Kit, workDir, out string) (*patcher.Result, error) {
	probs, err := Check(base, cur)
	if err != nil {
		return nil, err
	}
	if len(probs) > 0 {
		return nil, &Error{Problems: probs}
	}
	// The patcher reads the new sources where the current build has them,
	// and names files relative to the current workspace.
	for path, b := range base.Packages {
		if c, ok := cur.Packages[path]; ok && b.Main && c.Main {
			b.Dir = c.Dir
		}
	}
	base.ModuleDir = cur.ModuleDir
	res, err := patcher.NewBuilder(base, workDir).Build()
	if err != nil {
		return nil, err
	}
	if len(res.Refusals) > 0 {
		return res, &Error{Refusals: res.Refusals}
	}
	if res.Unchanged || res.Plugin == "" {
		return res, &Error{Unchanged: true}
	}
	if err := copyFile(res.Plugin, out); err != nil {
		return nil, err
	}
	if err := copyFile(res.Manifest, out+".json"); err != nil {
		return nil, err
	}
	return res, nil
}

func sameSources(bk *kit.Kit, b *kit.Package, ck *kit.Kit, c *kit.Package) bool {
	if strings.Join(b.Files, "\n") != strings.Join(c.Files, "\n") {
		return false
	}
	for _, name := range b.Files {
		x, err1 := os.ReadFile(filepath.Join(bk.SourceDir(b.ImportPath), name))
		y, err2 := os.ReadFile(filepath.Join(c.Dir, name))
		if err1 != nil || err2 != nil || string(x) != string(y) {
			return false
		}
	}
	return true
}

func sameFile(a, b string) (bool, error) {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil && os.SameFile(fa, fb) {
			return true, nil
		}
	}
	ha, err := hashFile(a)
	if err != nil {
		return false, err
	}
	hb, err := hashFile(b)
	if err != nil {
		return false, err
	}
	return ha == hb, nil
}

func hashFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	os.Remove(dst)
	outf, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(outf, in); err != nil {
		outf.Close()
		return err
	}
	return outf.Close()
}

func sortedKeys(m map[string]*kit.Package) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
