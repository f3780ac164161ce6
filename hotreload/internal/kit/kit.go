// Package kit records what a patch must be built against: the base
// program's packages (their content hashes and the -dynlink archives a
// plugin links with, compiled from the same instrumented sources as the
// host), the compiler settings, and a snapshot of the main module's
// sources as the host was built from them.
//
// A patch built from a kit links the kit's own archives, never whatever
// the build cache or the disk holds later, so it is exact: Go's plugin
// check cannot catch a package whose non-inlinable bodies changed, the kit
// can (its hashes cover every source file).
package kit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/version"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
)

// Format is the version of kit.json (2: each main-module package's rewrite
// is recorded, see RecordRewrites).
const Format = 2

// MainEnv names, for the compile wrapper, the import path of the program's
// package main while the kit's archives are built: the wrapper compiles it
// as "main" (-p), as the host has it, instead of under its import path as
// a plugin build would, so that patches can import it and name its types.
const MainEnv = "GOHOT_KIT_MAIN"

// Kit is a base program's patch kit.
type Kit struct {
	Format int `json:"format"`
	// Dir is where the kit lives (not serialized: it is wherever it is).
	Dir string `json:"-"`
	// BuildID is the Go build ID of the host executable.
	BuildID string `json:"build_id"`
	// MainPackage is the import path of the program's main package.
	MainPackage string `json:"main_package"`
	ModulePath  string `json:"module_path"`
	ModuleDir   string `json:"module_dir"`
	GoVersion   string `json:"go_version"` // e.g. go1.26.8
	GOROOT      string `json:"goroot"`
	ToolDir     string `json:"tool_dir"`
	// Wrapper identifies the hotreload binary that instrumented the
	// build (its cache marker): patches must come from the same one.
	Wrapper string `json:"wrapper"`
	// Race is a -race build (its rewrite loads redirects atomically).
	Race bool `json:"race,omitempty"`
	// Shared is set when the program is linked -linkshared against
	// shared libraries of its packages (docs/PATCH-LINKING.md): its
	// patches are linked against them, by the private linker.
	Shared   *Shared             `json:"shared,omitempty"`
	Packages map[string]*Package `json:"packages"`
}

// Shared is how a -linkshared program's patches are linked.
type Shared struct {
	// Linker is the private linker (package hotlink); FlagCache, the
	// directory of its C linker flag answers; ShlibIndex, the directory
	// of its indexes of the shared libraries (beside the standard one).
	// Each absolute, or relative to the kit directory (Kit.Abs).
	Linker     string `json:"linker"`
	FlagCache  string `json:"flag_cache"`
	ShlibIndex string `json:"shlib_index,omitempty"`
}

// Package is one package of the base program.
type Package struct {
	ImportPath string `json:"import_path"`
	Name       string `json:"name"`
	Dir        string `json:"dir"`
	// Files are the Go source files (base names) the package was
	// compiled from, cgo files included.
	Files []string `json:"files"`
	// Hash covers the import path, every source and embedded file and the
	// toolchain and wrapper identities.
	Hash string `json:"hash"`
	// Archive is the -dynlink archive, relative to the kit directory
	// ("" until the archives are recorded; none for unsafe).
	Archive  string `json:"archive,omitempty"`
	Standard bool   `json:"standard,omitempty"`
	// Export is the package's export data, when it is not in Archive
	// (rules_go writes it to a .x file of its own). Absolute, or relative
	// to the kit directory.
	Export string `json:"export,omitempty"`
	// ImportMap is the path the package was compiled as (-p), when it is
	// not its import path (Bazel's importmap, e.g. for vendored copies).
	ImportMap string `json:"import_map,omitempty"`
	// Main is true for packages of the main module: their sources are
	// snapshotted under src/<import path>/ (their embedded files under
	// embed/<import path>/), and they can be patched.
	Main bool `json:"main,omitempty"`
	// Cgo is true for a package with cgo files.
	Cgo bool `json:"cgo,omitempty"`
	// Lang is the language version the package compiles at: the
	// compiler's -lang, always of the form go1.N (see LangVersion).
	Lang string `json:"lang,omitempty"`
	// Embeds are the files the package embeds (//go:embed), relative to
	// Dir, with the SHA-256 of each as the base was built from them. They
	// are part of Hash. Their contents are compiled into the program: a
	// change to one cannot be patched in (EmbedChanges reports it).
	Embeds map[string]string `json:"embeds,omitempty"`
	// Shlib is the shared library the program takes the package from
	// (only in a Shared kit; absolute, or relative to the kit
	// directory, as Shared's paths): a patch links against it
	// instead of copying the package.
	Shlib string `json:"shlib,omitempty"`
}

// DefaultGoModVersion is the language version of a module whose go.mod has
// no go line (the go command's gover.DefaultGoModVersion).
const DefaultGoModVersion = "1.16"

// LangVersion is the language version, as the compiler's -lang takes it
// (go1.N), that a hot build compiles a package at: what the go command
// passes (raised by HotLang). modGo is the go line of the package's module
// as go.mod and `go list` spell it ("1.26.0", "1.21rc1", "1.13"; "" for
// no go line: go1.16), toolchain the go command's GOVERSION. A package of
// no module (the standard library) is compiled at the toolchain's own
// version: pass std=true. The go line is never passed on as it is:
// `go 1.26.0` is not a valid -lang.
//
// Every language version hotreload records for a package (and so hands
// the patcher's compiler and rewriter) comes from here.
func LangVersion(modGo, toolchain string, std bool) string {
	local := version.Lang(toolchain) // "" for a devel toolchain
	if std {
		return local
	}
	if modGo == "" {
		modGo = DefaultGoModVersion
	}
	lang := version.Lang("go" + strings.TrimPrefix(modGo, "go"))
	if lang == "" {
		return local
	}
	// Like the go command: a go line newer than the toolchain (which
	// only a GOTOOLCHAIN=local-less switch lets through) compiles at the
	// toolchain's version.
	if local != "" && version.Compare(lang, local) > 0 {
		return local
	}
	return HotLang(lang)
}

// MinLang is the oldest language version hot code is compiled at: the
// instrumentation declares type aliases, which need go1.9.
const MinLang = "go1.9"

// HotLang is the language version a hot build compiles a package at that
// the go command would compile at lang: lang itself, or MinLang if lang is
// older (a module saying `go 1.5`). Nothing a program valid at go1.N means
// changes up to go1.9 (-lang only gates features there), so raising it is
// invisible to the program. The compile wrapper raises -lang with it.
func HotLang(lang string) string {
	if version.IsValid(lang) && version.Compare(lang, MinLang) < 0 {
		return MinLang
	}
	return lang
}

// Options say how the base program is built.
type Options struct {
	Dir     string   // where to run the go command (in the main module)
	Env     []string // environment for the go command (CGO_ENABLED=1 ...)
	Wrapper string   // hotreload -toolexec program
	// WrapperID is the wrapper's cache marker (toolexec.SelfID).
	WrapperID string
	// Flags are extra build flags (tags, -overlay ...), as for go build.
	Flags []string
	// Ctx, when done, stops the go commands the kit runs, with every
	// process they started (nil: never).
	Ctx context.Context
}

func (o Options) ctx() context.Context {
	if o.Ctx == nil {
		return context.Background()
	}
	return o.Ctx
}

// Snapshot describes the program's packages from their sources now and
// copies the main module's sources into kitDir/src. Call it before
// building the host, and Verify after, so the kit describes exactly the
// sources the host was built from.
func Snapshot(kitDir, mainPkg string, opts Options) (*Kit, error) {
	pkgs, err := goList(opts.ctx(), opts.Dir, opts.Env, append(append([]string(nil), opts.Flags...), mainPkg)...)
	if err != nil {
		return nil, err
	}
	k := &Kit{Format: Format, Dir: kitDir, Wrapper: opts.WrapperID, Packages: map[string]*Package{}}
	var goflags string
	k.GoVersion, k.GOROOT, k.ToolDir, goflags, err = GoEnv(opts.ctx(), opts.Dir, opts.Env)
	if err != nil {
		return nil, err
	}
	// GOFLAGS (environment or go env -w) comes first: the go command
	// applies it before the command line's flags.
	k.Race = RaceFlag(append(strings.Fields(goflags), opts.Flags...))
	for _, lp := range pkgs {
		p := &Package{
			ImportPath: lp.ImportPath, Name: lp.Name, Dir: lp.Dir, Standard: lp.Standard,
			Files: append(append([]string(nil), lp.GoFiles...), lp.CgoFiles...),
		}
		if lp.Module != nil {
			p.Main = lp.Module.Main
			p.Lang = LangVersion(lp.Module.GoVersion, k.GoVersion, false)
			if lp.Module.Main && k.ModulePath == "" {
				k.ModulePath, k.ModuleDir = lp.Module.Path, lp.Module.Dir
			}
		}
		if lp.Name == "main" && lp.Module != nil && lp.Module.Main {
			k.MainPackage = lp.ImportPath
		}
		if lp.Module == nil {
			p.Lang = LangVersion("", k.GoVersion, true)
		}
		sort.Strings(p.Files)
		p.Cgo = len(lp.CgoFiles) > 0
		if p.Main {
			// The snapshot is what the package's hash says: copied first,
			// then hashed (an edit meanwhile cannot come between them).
			if err := k.copySources(p); err != nil {
				return nil, err
			}
			if p.Embeds, err = k.copyEmbeds(p, lp.EmbedFiles); err != nil {
				return nil, err
			}
			if p.Hash, err = k.SnapshotHash(p); err != nil {
				return nil, err
			}
		} else {
			if p.Embeds, err = digestFiles(p.Dir, lp.EmbedFiles); err != nil {
				return nil, err
			}
			if p.Hash, err = k.hashPackage(p, p.Dir); err != nil {
				return nil, err
			}
		}
		k.Packages[p.ImportPath] = p
	}
	if k.MainPackage == "" {
		return nil, fmt.Errorf("%s is not a main package of the main module", mainPkg)
	}
	return k, nil
}

// GoEnv is what the go command says of its toolchain (in dir, with env):
// the one place hotreload asks it (go env -json).
func GoEnv(ctx context.Context, dir string, env []string) (version, goroot, toolDir, goflags string, err error) {
	out, err := GoOutput(ctx, dir, env, "env", "-json", "GOVERSION", "GOROOT", "GOTOOLDIR", "GOFLAGS")
	if err != nil {
		return "", "", "", "", err
	}
	var e struct{ GOVERSION, GOROOT, GOTOOLDIR, GOFLAGS string }
	if err := json.Unmarshal(out, &e); err != nil || e.GOVERSION == "" || e.GOROOT == "" || e.GOTOOLDIR == "" {
		return "", "", "", "", fmt.Errorf("go env: unexpected output %q (%v)", out, err)
	}
	return e.GOVERSION, e.GOROOT, e.GOTOOLDIR, e.GOFLAGS, nil
}

// hashPackage hashes what decides a package's compiled form: its Go
// sources, read from srcDir (its directory, or the kit's snapshot of it),
// and its embedded files, by the digests in p.Embeds. Snapshot, Verify and
// SnapshotHash all hash through it, so that a package that did not change
// hashes the same on every side.
func (k *Kit) hashPackage(p *Package, srcDir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "gohot-package v1\n%s\n%s\n%s\n%s/%s\n", p.ImportPath, k.GoVersion, k.Wrapper, runtime.GOOS, runtime.GOARCH)
	for _, name := range p.Files {
		b, err := os.ReadFile(filepath.Join(srcDir, name))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	names := make([]string, 0, len(p.Embeds))
	for name := range p.Embeds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(h, "embed %s %s\n", name, p.Embeds[name])
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// digestFiles maps each of names (relative to dir, slash-separated) to the
// SHA-256 of its contents; nil for none.
func digestFiles(dir string, names []string) (map[string]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(names))
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		m[name] = hex.EncodeToString(sum[:])
	}
	return m, nil
}

// SnapshotHash hashes a package as hashPackage does, from the snapshot of
// its sources in the kit rather than from its directory (embedded files
// by their recorded digests).
func (k *Kit) SnapshotHash(p *Package) (string, error) {
	return k.hashPackage(p, k.SourceDir(p.ImportPath))
}

// current is p as its directory holds it now: its embedded files' digests
// recomputed.
func (p *Package) current() (*Package, error) {
	q := *p
	if len(p.Embeds) == 0 {
		return &q, nil
	}
	q.Embeds = make(map[string]string, len(p.Embeds))
	for name := range p.Embeds {
		b, err := os.ReadFile(filepath.Join(p.Dir, filepath.FromSlash(name)))
		if err != nil {
			if os.IsNotExist(err) {
				q.Embeds[name] = "missing"
				continue
			}
			return nil, err
		}
		sum := sha256.Sum256(b)
		q.Embeds[name] = hex.EncodeToString(sum[:])
	}
	return &q, nil
}

// EmbedChange is an embedded file of a main-module package whose contents
// differ from the base's.
type EmbedChange struct {
	Package string // import path of the package that embeds it
	File    string // absolute path
}

// EmbedChanges lists the embedded files of the main module's packages that
// differ from what the base was built from (changed or removed). Their
// contents are compiled into the program, so no patch can bring them in.
// New files matching a //go:embed pattern are not seen (the patterns are
// not recorded, only the files they matched).
func (k *Kit) EmbedChanges() ([]EmbedChange, error) {
	var out []EmbedChange
	for _, p := range k.sortedPackages() {
		if !p.Main || len(p.Embeds) == 0 {
			continue
		}
		q, err := p.current()
		if err != nil {
			return nil, err
		}
		var names []string
		for name, sum := range p.Embeds {
			if q.Embeds[name] != sum {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			out = append(out, EmbedChange{Package: p.ImportPath, File: filepath.Join(p.Dir, filepath.FromSlash(name))})
		}
	}
	return out, nil
}

// EmbedDirs are the directories holding the main module's embedded files
// (for a watcher).
func (k *Kit) EmbedDirs() []string {
	seen := map[string]bool{}
	var dirs []string
	for _, p := range k.sortedPackages() {
		if !p.Main {
			continue
		}
		for name := range p.Embeds {
			d := filepath.Dir(filepath.Join(p.Dir, filepath.FromSlash(name)))
			if !seen[d] {
				seen[d] = true
				dirs = append(dirs, d)
			}
		}
	}
	sort.Strings(dirs)
	return dirs
}

// LinkPath is the path a package's symbols are linked under.
func (p *Package) LinkPath() string {
	if p.ImportMap != "" {
		return p.ImportMap
	}
	return p.ImportPath
}

// SourceDir is where the snapshot of a main-module package's sources is.
func (k *Kit) SourceDir(importPath string) string {
	return filepath.Join(k.Dir, "src", filepath.FromSlash(importPath))
}

// EmbedSnapshot is where the snapshot of a main-module package's embedded
// file (named as in Embeds) is.
func (k *Kit) EmbedSnapshot(importPath, name string) string {
	return filepath.Join(k.Dir, "embed", filepath.FromSlash(importPath), filepath.FromSlash(name))
}

// copyEmbeds snapshots a main-module package's embedded files and returns
// their digests, of the bytes copied.
func (k *Kit) copyEmbeds(p *Package, names []string) (map[string]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(names))
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(p.Dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		dst := k.EmbedSnapshot(p.ImportPath, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		m[name] = hex.EncodeToString(sum[:])
	}
	return m, nil
}

func (k *Kit) copySources(p *Package) error {
	dst := k.SourceDir(p.ImportPath)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, name := range p.Files {
		b, err := os.ReadFile(filepath.Join(p.Dir, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Verify checks that the main module's sources still are what Snapshot
// recorded (nothing was edited while the host was building). It returns
// the packages that differ.
func (k *Kit) Verify() ([]string, error) {
	var changed []string
	for _, p := range k.sortedPackages() {
		if !p.Main {
			continue
		}
		q, err := p.current()
		if err != nil {
			return nil, err
		}
		h, err := k.hashPackage(q, p.Dir)
		if os.IsNotExist(err) {
			h, err = "", nil // a file removed (an editor's save, a rename): changed
		}
		if err != nil {
			return nil, err
		}
		if h != p.Hash {
			changed = append(changed, p.ImportPath)
		}
	}
	return changed, nil
}

func (k *Kit) sortedPackages() []*Package {
	var ps []*Package
	for _, p := range k.Packages {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ImportPath < ps[j].ImportPath })
	return ps
}

// RecordArchives compiles (or finds in the build cache) every package of
// the program as a plugin links it (-dynlink, through the wrapper) and
// copies the archives into the kit, so later cache trimming cannot take
// them away. extra lists packages beyond the program's dependencies to
// include (e.g. runtime/cgo, which every plugin needs).
//
// The main module's packages are compiled from the snapshot, not from
// their directories, which may have been edited since the host was built
// (invariant 2: an archive compiled from an edit has a type or a body the
// running program does not have, and no patch built against it loads): an
// -overlay maps each of their source and embedded files to its snapshot
// (on top of opts.Flags' own -overlay), and hides a file added since. A
// cgo package is built from its directory, and checked against its
// snapshot after the build.
func (k *Kit) RecordArchives(opts Options, extra ...string) error {
	flags, replace, given, err := k.snapshotOverlay(opts)
	if err != nil {
		return err
	}
	ov := filepath.Join(k.Dir, "overlay.json")
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	mode := "-buildmode=plugin"
	if k.Shared != nil {
		// A -linkshared host's archives are what its patches link with
		// (compiled -dynlink -linkshared, package main as "main"): the
		// same build, found in the build cache.
		mode = "-buildmode=default"
	} else {
		env = append(env[:len(env):len(env)], MainEnv+"="+k.MainPackage)
	}
	var pkgs []*Listed
	for attempt := 1; ; attempt++ {
		b, err := json.Marshal(struct{ Replace map[string]string }{replace})
		if err != nil {
			return err
		}
		if err := os.WriteFile(ov, b, 0o644); err != nil {
			return err
		}
		args := append([]string{mode, "-toolexec=" + opts.Wrapper}, flags...)
		args = append(args, "-overlay="+ov, k.MainPackage)
		args = append(args, extra...)
		// A file added to a package since the snapshot (a new .go file,
		// a new file an embed pattern matches) was compiled in: hide it
		// and build again. If the build failed, one may be why (a file
		// being written): list the packages without building to see.
		var added []string
		if pkgs, err = goList(opts.ctx(), opts.Dir, env, append([]string{"-export"}, args...)...); err != nil {
			if listed, lerr := goList(opts.ctx(), opts.Dir, env, args...); lerr == nil {
				added = k.addedFiles(listed, given)
			}
			if len(added) == 0 {
				return err
			}
		} else if added = k.addedFiles(pkgs, given); len(added) == 0 {
			break
		}
		if attempt == 3 {
			return fmt.Errorf("files keep appearing in the program's packages while the patch kit is built (%s): stop the generator and restart", strings.Join(added, ", "))
		}
		for _, f := range added {
			replace[f] = ""
		}
	}
	for _, p := range k.sortedPackages() {
		if !p.Main || !p.Cgo {
			continue
		}
		q, err := p.current()
		if err != nil {
			return err
		}
		if h, err := k.hashPackage(q, p.Dir); err != nil || h != p.Hash {
			return fmt.Errorf("package %s (cgo: built from its directory) changed while the patch kit was built: restart to patch it", p.ImportPath)
		}
	}
	adir := filepath.Join(k.Dir, "archives")
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return err
	}
	for _, lp := range pkgs {
		p, ok := k.Packages[lp.ImportPath]
		if !ok {
			p = &Package{ImportPath: lp.ImportPath, Name: lp.Name, Dir: lp.Dir, Standard: lp.Standard}
			k.Packages[lp.ImportPath] = p
		}
		if lp.Export == "" {
			continue
		}
		sum := sha256.Sum256([]byte(lp.ImportPath))
		name := filepath.Join("archives", hex.EncodeToString(sum[:8])+".a")
		if err := LinkOrCopy(lp.Export, filepath.Join(k.Dir, name)); err != nil {
			return err
		}
		p.Archive = name
		p.Shlib = lp.Shlib
		if lp.ImportPath == k.MainPackage {
			p.ImportMap = "main" // compiled as the host has it (MainEnv, or the host's own build)
		}
	}
	_, err = k.RecordRewrites()
	return err
}

// RaceFlag reports whether go build flags (GOFLAGS' first) ask for -race.
func RaceFlag(flags []string) bool {
	race := false
	for _, f := range flags {
		switch f {
		case "-race", "--race", "-race=true", "--race=true":
			race = true
		case "-race=false", "--race=false":
			race = false
		}
	}
	return race
}

// snapshotOverlay returns opts.Flags without their -overlay, and the
// replacements of an overlay that builds the main module's packages from
// the snapshot: the flags' own overlay (the last -overlay flag, as for the
// go command) plus every source and embedded file of a main-module
// package (but those of a cgo package) mapped to its copy in the kit.
// given are the files the flags' overlay replaces (or adds).
func (k *Kit) snapshotOverlay(opts Options) (flags []string, replace map[string]string, given map[string]bool, err error) {
	userOverlay := ""
	for i := 0; i < len(opts.Flags); i++ {
		f := opts.Flags[i]
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(f, "-"), "-"), "=")
		if !strings.HasPrefix(f, "-") || name != "overlay" {
			flags = append(flags, f)
			continue
		}
		if !hasValue && i+1 < len(opts.Flags) {
			i++
			value = opts.Flags[i]
		}
		userOverlay = value
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(opts.Dir, p)
	}
	replace, given = map[string]string{}, map[string]bool{}
	if userOverlay != "" {
		b, err := os.ReadFile(abs(userOverlay))
		if err != nil {
			return nil, nil, nil, err
		}
		var ov struct{ Replace map[string]string }
		if err := json.Unmarshal(b, &ov); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %v", userOverlay, err)
		}
		for from, to := range ov.Replace {
			replace[abs(from)] = abs(to)
			given[abs(from)] = true
		}
	}
	for _, p := range k.sortedPackages() {
		if !p.Main || p.Cgo {
			continue
		}
		add := func(from, to string) {
			if _, ok := replace[from]; !ok { // an overlay's own file is what the base was built from
				replace[from] = to
			}
		}
		for _, name := range p.Files {
			add(filepath.Join(p.Dir, name), filepath.Join(k.SourceDir(p.ImportPath), name))
		}
		for name := range p.Embeds {
			add(filepath.Join(p.Dir, filepath.FromSlash(name)), k.EmbedSnapshot(p.ImportPath, name))
		}
	}
	return flags, replace, given, nil
}

// addedFiles lists the files of main-module packages, as the go command
// listed them, that the snapshot does not have and the flags' overlay does
// not give.
func (k *Kit) addedFiles(pkgs []*Listed, given map[string]bool) []string {
	var added []string
	for _, lp := range pkgs {
		p, ok := k.Packages[lp.ImportPath]
		if !ok || !p.Main || p.Cgo {
			continue
		}
		for _, name := range append(append([]string(nil), lp.GoFiles...), lp.CgoFiles...) {
			if f := filepath.Join(p.Dir, name); !slices.Contains(p.Files, name) && !given[f] {
				added = append(added, f)
			}
		}
		for _, name := range lp.EmbedFiles {
			if f := filepath.Join(p.Dir, filepath.FromSlash(name)); p.Embeds[name] == "" && !given[f] {
				added = append(added, f)
			}
		}
	}
	return added
}

// LinkOrCopy puts src at dst: a hard link when it can, a copy otherwise.
func LinkOrCopy(src, dst string) error {
	os.Remove(dst)
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Abs is a path the kit records, absolute: as it is if it is, else
// relative to the kit directory (itself made absolute: tools run it
// from other directories).
func (k *Kit) Abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if a, err := filepath.Abs(filepath.Join(k.Dir, p)); err == nil {
		return a
	}
	return filepath.Join(k.Dir, p)
}

// ArchivePath is the absolute path of a package's archive, or "".
func (k *Kit) ArchivePath(importPath string) string {
	p, ok := k.Packages[importPath]
	if !ok || p.Archive == "" {
		return ""
	}
	if filepath.IsAbs(p.Archive) { // a kit that refers to a build system's outputs
		return p.Archive
	}
	return filepath.Join(k.Dir, p.Archive)
}

// ExportPath is the absolute path of the file holding a package's export
// data (its archive, unless the build system keeps it apart), or "".
func (k *Kit) ExportPath(importPath string) string {
	p, ok := k.Packages[importPath]
	if !ok || p.Export == "" {
		return k.ArchivePath(importPath)
	}
	if filepath.IsAbs(p.Export) {
		return p.Export
	}
	return filepath.Join(k.Dir, p.Export)
}

// OpenArchive opens a package's export data, for go/importer: type
// checking against exactly what the running program has.
func (k *Kit) OpenArchive(importPath string) (io.ReadCloser, error) {
	a := k.ExportPath(importPath)
	if a == "" {
		return nil, fmt.Errorf("package %s is not part of the running program", importPath)
	}
	return os.Open(a)
}

// Save writes kit.json.
func (k *Kit) Save() error {
	b, err := json.MarshalIndent(k, "", "\t")
	if err != nil {
		return err
	}
	tmp := filepath.Join(k.Dir, "kit.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(k.Dir, "kit.json"))
}

// Load reads a kit saved in dir.
func Load(dir string) (*Kit, error) {
	b, err := os.ReadFile(filepath.Join(dir, "kit.json"))
	if err != nil {
		return nil, err
	}
	k := new(Kit)
	if err := json.Unmarshal(b, k); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "kit.json"), err)
	}
	if k.Format != Format {
		return nil, fmt.Errorf("%s: kit format %d, this hotreload reads format %d", dir, k.Format, Format)
	}
	k.Dir = dir
	for _, p := range k.Packages {
		// A kit written before languages were normalized may say go1.26.0.
		if p.Lang != "" {
			p.Lang = LangVersion(p.Lang, k.GoVersion, false)
		}
	}
	return k, nil
}

// BaseTable is the package hash table the agent verifies patches against.
func (k *Kit) BaseTable() map[string]string {
	t := map[string]string{}
	for path, p := range k.Packages {
		if p.Hash != "" {
			t[path] = p.Hash
		}
	}
	return t
}
