// Package toolexec is the compile-tool wrapper behind every hot build: the
// go command runs it as `-toolexec`, and it rewrites the source files of
// each package it compiles (std, module cache, generated and cgo-generated
// files alike) before handing them to the real compiler.
//
// The same wrapper stands in for `compile` in the hot Go SDK that the Bazel
// rules use, so that host binaries and patches are always produced by one
// mechanism (builds from different mechanisms do not load together: file
// names in export data differ).
package toolexec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gohot/rules_go_hot/hotreload/internal/hotcompile"
	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// Marker prefixes the word that the wrapper adds to `compile -V=full`, so
// that the go command's build cache keeps hot and plain objects apart.
const Marker = "gohot"

// ProgressEnv names a file to which the wrapper appends one line per
// package it compiles ("compile <import path>"), for progress reports. The
// go command hashes no environment variable, so it does not affect caching.
const ProgressEnv = "GOHOT_PROGRESS"

// CompilerEnv and StockCompiler: see package instrument, which owns
// them (the compiler decides the rewrite's no-escape mode).
const (
	CompilerEnv   = instrument.CompilerEnv
	StockCompiler = instrument.StockCompiler
)

// SDKEnv names the front end running the wrapper: "bazel" when it is the
// compiler of rules_go_hot's hot Go SDK (set by its compile script).
const SDKEnv = "GOHOT_SDK"

// IsToolInvocation reports whether args (os.Args[1:]) look like the go
// command running a tool through us: an absolute path to compile, asm,
// link, cgo, vet...
func IsToolInvocation(args []string) bool {
	if len(args) == 0 || !filepath.IsAbs(args[0]) {
		return false
	}
	switch toolName(args[0]) {
	case "compile", "asm", "link", "cgo", "vet", "pack", "buildid", "cover", "fix", "preprofile":
		return true
	}
	return false
}

func toolName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".exe")
}

// Run runs the tool invocation args (tool path first), rewriting sources if
// the tool is the compiler. It returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	args, err := expandResponseFiles(args)
	if err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	switch toolName(args[0]) {
	case "compile":
	case "vet":
		return vet(args, stdout, stderr)
	case "asm":
		return run(bazelLinkshared(args), nil, stdout, stderr)
	default:
		return run(args, nil, stdout, stderr)
	}
	args = bazelLinkshared(args)
	for _, a := range args[1:] {
		if a == "-V=full" || a == "-V" {
			return versionFull(args, stdout, stderr)
		}
	}
	c, err := parseCompile(args)
	if err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	return c.run(stdout, stderr)
}

// bazelLinkshared adds -linkshared to a -dynlink compilation or assembly
// of the hot SDK (a go_hot_binary's kit, rules_go's plugin link mode),
// as the go command compiles and assembles every package of a
// -linkshared build: the program is then linked -linkshared from these
// very archives against the standard library as a shared library, and
// its patches against it (docs/PATCH-LINKING.md). Without the flag an
// object names some runtime symbols by an index into the runtime's own
// object, which a link against the library cannot resolve. A -race
// compilation is left as it is: such a kit is linked as plugins, as
// under the go command. The flag only makes an object name symbols
// instead of indexing them (and compile methods of generic types
// again), which any link resolves.
func bazelLinkshared(args []string) []string {
	if os.Getenv(SDKEnv) != "bazel" {
		return args
	}
	dynlink := false
	for _, a := range args[1:] {
		switch a {
		case "-linkshared", "-race", "-race=true", "-msan", "-asan":
			return args
		case "-dynlink":
			dynlink = true
		}
	}
	if !dynlink {
		return args
	}
	return append([]string{args[0], "-linkshared"}, args[1:]...)
}

// run executes a command, passing stdin through; filter, if set, is
// applied to what the command writes to stdout and stderr (the compiler
// prints its diagnostics on stdout).
func run(args []string, filter func([]byte) []byte, stdout, stderr io.Writer) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stdout, cmd.Stderr = stdout, stderr
	var outBuf, errBuf bytes.Buffer
	if filter != nil {
		cmd.Stdout, cmd.Stderr = &outBuf, &errBuf
	}
	err := cmd.Run()
	if filter != nil {
		stdout.Write(filter(outBuf.Bytes()))
		stderr.Write(filter(errBuf.Bytes()))
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	return 0
}

// Variant names how this process's environment makes the wrapper compile
// every instrumented package (no-escape mode, the hot compiler, inlined
// prologues dropped): "" for the plain default. Part of the -V=full
// marker; whatever the go command installs from such a build (the shared
// standard library) must be kept apart by it too.
func Variant() (string, error) {
	id := ""
	if instrument.NoEscapeAll() {
		id += "-noescape"
	}
	if cc := instrument.HotCompiler(); cc != "" {
		// The hot compiler inlines differently from the stock one.
		st, err := os.Stat(cc)
		if err != nil {
			return "", fmt.Errorf("the hot compiler (%s=%s): %v", CompilerEnv, cc, err)
		}
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s %d %d", cc, st.Size(), st.ModTime().UnixNano())))
		id += "-cc" + hex.EncodeToString(sum[:4])
		if instrument.DropInlined() {
			id += "-inl"
		}
	}
	return id, nil
}

// versionFull answers `compile -V=full` with the real compiler's line plus
// a marker that changes whenever the rewrite could produce other output (a
// new wrapper binary). Without it the go command would mix hot and plain
// objects in its shared build cache.
func versionFull(args []string, stdout, stderr io.Writer) int {
	var out bytes.Buffer
	if code := run(args, nil, &out, stderr); code != 0 {
		return code
	}
	line := strings.TrimSpace(out.String())
	id, err := SelfID()
	if err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	variant, err := Variant()
	if err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	id += variant
	if m := os.Getenv(kit.MainEnv); m != "" {
		// The kit's package main is compiled as "main" (mainAsMain).
		sum := sha256.Sum256([]byte(m))
		id += "-main" + hex.EncodeToString(sum[:4])
	}
	f := strings.Fields(line)
	if len(f) > 0 && strings.HasPrefix(f[len(f)-1], "buildID=") {
		// A devel toolchain: the go command uses only the content part
		// (after the last slash) of the build ID, which must stay last.
		sum := sha256.Sum256([]byte(f[len(f)-1] + " " + id))
		f[len(f)-1] = f[len(f)-1] + "/" + hex.EncodeToString(sum[:12])
		f = append(f[:len(f)-1], Marker+"-"+id, f[len(f)-1])
		line = strings.Join(f, " ")
	} else {
		line += " " + Marker + "-" + id
	}
	fmt.Fprintln(stdout, line)
	return 0
}

var (
	selfIDOnce sync.Once
	selfID     string
	selfIDErr  error
)

// SelfID is a short hash of the running executable: everything that
// decides what the rewrite produces is compiled into it.
func SelfID() (string, error) {
	selfIDOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			selfIDErr = err
			return
		}
		f, err := os.Open(exe)
		if err != nil {
			selfIDErr = err
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			selfIDErr = err
			return
		}
		selfID = hex.EncodeToString(h.Sum(nil)[:10])
	})
	return selfID, selfIDErr
}

// compile is one parsed compiler invocation.
type compile struct {
	args    []string
	goroot  string
	pkg     string // -p
	lang    string // -lang
	race    bool
	dynlink bool // -dynlink: a package of a plugin build (the patch kit)
	// linkshared: a package of a -linkshared build, whose archives are
	// the kit's (hotreload run --link=shared)
	linkshared bool
	pkgIdx     int  // index of the -p value in args (-1: none)
	pkgEq      bool // the value is in the flag's own argument (-p=v)
	asMain     bool // the kit's package main, compiled as "main" (mainAsMain)
	runtime    bool // -+: the runtime or a package it depends on
	trimIdx    int  // index of the -trimpath value in args, or -1
	trimEq     bool // the value is in the flag's own argument (-trimpath=v)
	firstSrc   int  // index of the first .go file in args
}

func parseCompile(args []string) (*compile, error) {
	c := &compile{args: args, trimIdx: -1, pkgIdx: -1, firstSrc: len(args)}
	// The tool lives in $GOROOT/pkg/tool/$GOOS_$GOARCH.
	// The compiler records files under $GOROOT as "$GOROOT/...", GOROOT
	// being its environment's if set (rules_go builds the standard library
	// in a replica of the SDK and says so there), else where it lives.
	c.goroot = os.Getenv("GOROOT")
	if c.goroot == "" {
		c.goroot = filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(args[0]))))
	}
	for i := len(args) - 1; i > 0 && strings.HasSuffix(args[i], ".go"); i-- {
		c.firstSrc = i
	}
	for i := 1; i < c.firstSrc; i++ {
		a := args[i]
		next := func() string {
			if i+1 < len(args) {
				return args[i+1]
			}
			return ""
		}
		switch {
		case a == "-p":
			c.pkg, c.pkgIdx = next(), i+1
		case strings.HasPrefix(a, "-p="):
			c.pkg, c.pkgIdx, c.pkgEq = a[len("-p="):], i, true
		case a == "-dynlink":
			c.dynlink = true
		case a == "-linkshared":
			c.linkshared = true
		case a == "-trimpath":
			c.trimIdx = i + 1
		case strings.HasPrefix(a, "-trimpath="): // rules_go's form
			c.trimIdx, c.trimEq = i, true
		case strings.HasPrefix(a, "-lang="):
			c.lang = a[len("-lang="):]
			// The instrumentation needs go1.9 (type aliases): a
			// package of a module saying `go 1.5` compiles at that.
			if hot := kit.HotLang(c.lang); hot != c.lang {
				c.lang = hot
				args[i] = "-lang=" + hot
			}
		case a == "-race" || a == "-race=true":
			c.race = true
		case a == "-+":
			c.runtime = true
		}
	}
	return c, nil
}

func (c *compile) run(stdout, stderr io.Writer) int {
	srcs := c.args[c.firstSrc:]
	if len(srcs) == 0 || c.pkg == "" {
		return run(c.args, nil, stdout, stderr)
	}
	if p := os.Getenv(ProgressEnv); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644); err == nil {
			fmt.Fprintf(f, "compile %s\n", c.pkg)
			f.Close()
		}
	}
	if reason, ok := instrument.Excluded[c.pkg]; ok {
		_ = reason
		return run(c.args, nil, stdout, stderr)
	}
	c.mainAsMain(srcs)

	cgo := false
	for _, f := range srcs {
		cgo = cgo || strings.HasPrefix(filepath.Base(f), "_cgo_")
	}
	closures := instrument.UserFiles(srcs, c.goroot)
	res, err := instrument.Rewrite(instrument.Settings{LinkPath: c.pkg, Lang: c.lang, Race: c.race, Runtime: c.runtime, Closures: closures, Cgo: cgo}, srcs)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	} else if err != nil {
		// Let the compiler report the syntax error in its usual form.
		return run(c.args, nil, stdout, stderr)
	}
	for i, f := range res.Files {
		if base := filepath.Base(f.Name); strings.HasPrefix(base, "_cgo_") {
			src := f.Src
			if os.Getenv(SDKEnv) == "bazel" {
				src = canonicalCgoDirectives(base, src, os.Getenv("CGO_LDFLAGS"))
			}
			res.Files[i].Src = sinkCgoDirectives(src)
		}
	}

	// Each rewritten file keeps its base name, in a temporary directory of
	// its own per original directory; -trimpath then maps the temporary
	// directory to exactly what the compiler would have recorded for the
	// original one, so positions in objects, export data, DWARF and panics
	// are those of the original files.
	trim := ""
	if c.trimIdx >= 0 {
		trim = c.args[c.trimIdx]
		if c.trimEq {
			trim = trim[len("-trimpath="):]
		}
	}
	st, err := stage(srcs, res, func(file string) string { return c.recordedDir(file, trim) })
	if err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	if os.Getenv("GOHOT_KEEP_WORK") == "" { // debugging: keep the rewritten sources
		defer os.RemoveAll(st.tmp)
	} else {
		fmt.Fprintf(stderr, "gohot: kept %s\n", st.tmp)
	}
	newArgs := append([]string(nil), c.args...)
	copy(newArgs[c.firstSrc:], st.paths)
	newTrim := strings.Join(st.rules, ";")
	if trim != "" {
		newTrim += ";" + trim
	}
	if c.trimEq {
		newArgs[c.trimIdx] = "-trimpath=" + newTrim
	} else if c.trimIdx >= 0 {
		newArgs[c.trimIdx] = newTrim
	} else {
		newArgs = append(newArgs[:c.firstSrc:c.firstSrc], append([]string{"-trimpath", newTrim}, newArgs[c.firstSrc:]...)...)
	}
	if cc := instrument.HotCompiler(); cc != "" {
		newArgs[0] = cc
		// Inlined copies keep their prologues unless the build drops
		// them; a package a patch may replace keeps them in function
		// literals (hotcompile.InlineRecord).
		mode := hotcompile.InlineKeep
		if instrument.DropInlined() {
			mode = hotcompile.InlineDrop
			if closures {
				mode = hotcompile.InlineRecord
			}
		}
		os.Setenv(hotcompile.InlineEnv, mode)
	}
	code := run(newArgs, st.filter, stdout, stderr)
	if code == 0 && c.asMain {
		if err := hideMainExports(c.outputs()); err != nil {
			fmt.Fprintf(stderr, "gohot: %v\n", err)
			return 2
		}
	}
	return code
}

// mainAsMain compiles the program's package main as "main" in a build of
// the patch kit. A plugin build compiles its main package under its import
// path, but the kit's archive of it must be the program's package main —
// symbols, type descriptors and export data named "main", as the host
// compiled them — so that a patch can import it (under its import path,
// mapped to "main") and name its types, which then are the program's own.
//
// Under the go command the kit says which package that is (kit.MainEnv),
// or it is the host's own package main (a -linkshared build);
// under the hot SDK every -dynlink build of a main package is a
// go_hot_binary's kit (the SDK is selected only by its transition).
func (c *compile) mainAsMain(srcs []string) {
	if c.dynlink && c.linkshared && c.pkg == "main" {
		// A -linkshared program's package main is compiled -dynlink as
		// "main" already, and its archive is the kit's: only its plugin
		// table must go (an executable never reads it).
		c.asMain = true
		return
	}
	if !c.dynlink || c.pkg == "main" || c.pkgIdx < 0 {
		return
	}
	switch {
	case os.Getenv(kit.MainEnv) != "" && os.Getenv(kit.MainEnv) == c.pkg:
	case os.Getenv(SDKEnv) == "bazel" && packageName(srcs[0]) == "main":
	default:
		return
	}
	c.pkg, c.asMain = "main", true
	if c.pkgEq {
		c.args[c.pkgIdx] = "-p=main"
	} else {
		c.args[c.pkgIdx] = "main"
	}
}

// outputs are the files the compiler writes (-o, -linkobj).
func (c *compile) outputs() []string {
	var out []string
	for i := 1; i < c.firstSrc; i++ {
		a := c.args[i]
		switch {
		case (a == "-o" || a == "-linkobj") && i+1 < c.firstSrc:
			out = append(out, c.args[i+1])
		case strings.HasPrefix(a, "-o="):
			out = append(out, a[len("-o="):])
		case strings.HasPrefix(a, "-linkobj="):
			out = append(out, a[len("-linkobj="):])
		}
	}
	return out
}

// The plugin table of a -dynlink package named main: the compiler lists its
// exported functions and variables there for plugin.Open, and the linker
// takes the table (and keeps what it lists) by these names.
var pluginTableNames = [][2]string{
	{"go:plugin.tabs", "gohot:main.tab"},
	{"go:plugin.exports", "gohot:main.export"},
}

// hideMainExports renames the plugin table in the kit's archive of the
// program's package main. Compiled -dynlink as "main", the package has one,
// like the patch's own package main: linked into a patch, the program's
// table would be taken for the patch's (plugin.Open would look for the
// program's exported names in the patch and fail, and the patch's own
// table would be dropped). The names are replaced in place, by names of
// the same length, in the object's string table: nothing else moves, and
// the export data, whose hash the program and plugin.Open compare, is
// untouched.
func hideMainExports(files []string) error {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		changed := false
		for _, n := range pluginTableNames {
			switch bytes.Count(b, []byte(n[0])) {
			case 0:
				// No exported names (or an export-data-only file).
			case 1:
				b = bytes.Replace(b, []byte(n[0]), []byte(n[1]), 1)
				changed = true
			default:
				return fmt.Errorf("%s: %q is in the compiled package main more than once; cannot hide its plugin table", f, n[0])
			}
		}
		if changed {
			if err := os.WriteFile(f, b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// packageName is the package clause of a Go file ("" if it has none).
func packageName(file string) string {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly)
	if err != nil {
		return ""
	}
	return f.Name.Name
}

// staged is a package's rewritten files in a temporary directory.
type staged struct {
	tmp   string
	paths []string // the rewritten files, in input order
	rules []string // -trimpath rules: temporary dir => recorded original dir
	unmap *strings.Replacer
}

// stage writes the rewritten files: each in a temporary directory of its
// own per original directory and recorded directory, under the base name
// the compiler records for it. recorded gives the file name to record in
// positions for an original file: cmd/go's -trimpath maps directories, and
// also single files (an -overlay's replacement to the file it replaces,
// whose base name may differ), and the first rule that matches a file
// wins, so the mapping is per file.
func stage(srcs []string, res *rewriter.Result, recorded func(file string) string) (*staged, error) {
	tmp, err := os.MkdirTemp("", "gohot-compile-")
	if err != nil {
		return nil, err
	}
	st := &staged{tmp: tmp}
	dirs := map[string]string{} // original dir, recorded dir -> temp dir
	var unmap []string          // for diagnostics: temp dir -> dir as given
	for i, s := range srcs {
		abs, err := filepath.Abs(s)
		if err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
		dir := filepath.Dir(abs)
		// The recorded name: "dir/base", or "base" (a directory mapped
		// to nothing, like cmd/go's work directory).
		rec := recorded(abs)
		recDir, base := "", rec
		if j := strings.LastIndexByte(rec, filepath.Separator); j >= 0 {
			recDir, base = rec[:j], rec[j+1:]
			if recDir == "" { // "/a.go"
				recDir = string(filepath.Separator)
			}
		}
		key := dir + "\x00" + recDir
		td, ok := dirs[key]
		if !ok {
			td = filepath.Join(tmp, fmt.Sprint(len(dirs)))
			if err := os.Mkdir(td, 0o755); err != nil {
				os.RemoveAll(tmp)
				return nil, err
			}
			dirs[key] = td
			st.rules = append(st.rules, td+"=>"+recDir)
			unmap = append(unmap, td+string(filepath.Separator), filepath.Dir(s)+string(filepath.Separator))
		}
		out := filepath.Join(td, base)
		if err := os.WriteFile(out, res.Files[i].Src, 0o644); err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
		st.paths = append(st.paths, out)
	}
	st.unmap = strings.NewReplacer(unmap...)
	return st, nil
}

// filter maps the temporary file names in a tool's output back to the
// original ones.
func (st *staged) filter(b []byte) []byte {
	return []byte(st.unmap.Replace(string(b)))
}

// recordedDir is the name the compiler would record for a file (or for
// the files in a directory) given the go command's -trimpath rules: the
// first matching rule applies; an unmatched path under GOROOT is recorded
// as "$GOROOT/...".
func (c *compile) recordedDir(dir, trim string) string {
	if trim != "" {
		for _, rule := range strings.Split(trim, ";") {
			if r, ok := applyRewrite(dir, rule); ok {
				return r
			}
		}
	}
	if c.goroot != "" && hasPathPrefix(dir, c.goroot) {
		return "$GOROOT" + dir[len(c.goroot):]
	}
	return dir
}

// applyRewrite and hasPathPrefix follow cmd/internal/objabi, which the
// compiler uses to apply -trimpath.
func applyRewrite(path, rewrite string) (string, bool) {
	prefix, replace := rewrite, ""
	if j := strings.LastIndex(rewrite, "=>"); j >= 0 {
		prefix, replace = rewrite[:j], rewrite[j+len("=>"):]
	}
	if prefix == "" || !hasPathPrefix(path, prefix) {
		return path, false
	}
	if len(path) == len(prefix) {
		return replace, true
	}
	if replace == "" {
		return path[len(prefix)+1:], true
	}
	return replace + path[len(prefix):], true
}

func hasPathPrefix(s, t string) bool {
	if len(t) > len(s) {
		return false
	}
	for i := 0; i < len(t); i++ {
		cs, ct := lowerSlash(s[i]), lowerSlash(t[i])
		if cs != ct {
			return false
		}
	}
	return len(t) >= len(s) || s[len(t)] == '/' || s[len(t)] == '\\'
}

func lowerSlash(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	if c == '\\' {
		c = '/'
	}
	return c
}

// expandResponseFiles replaces an "@file" argument by the arguments the
// file holds, one per line with "\\" and "\n" escaped, as the Go tools'
// own flag parsing (objabi.Flagparse) reads them. rules_go's builder
// passes long compile and link command lines that way.
func expandResponseFiles(args []string) ([]string, error) {
	var out []string
	for i, a := range args {
		if i == 0 || !strings.HasPrefix(a, "@") || len(a) == 1 {
			out = append(out, a)
			continue
		}
		b, err := os.ReadFile(a[1:])
		if err != nil {
			return nil, fmt.Errorf("reading response file: %v", err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var u strings.Builder
			for j := 0; j < len(line); j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
					if line[j] == 'n' {
						u.WriteByte('\n')
						continue
					}
				}
				u.WriteByte(line[j])
			}
			out = append(out, u.String())
		}
	}
	return out, nil
}

// sinkCgoDirectives moves the linker directive lines (//go:cgo_ldflag,
// //go:cgo_import_dynamic, //go:cgo_dynamic_linker) of a file cgo
// generated (_cgo_gotypes.go, _cgo_import.go) to its end, after the
// rewriter's generated code (whose //line directive's own position is in
// the export data too). They carry the
// package's linker flags and the dynamic symbols its C code imports, which
// differ between a program and a plugin (rules_go passes the C toolchain's
// executable or shared-library options, and the symbols follow), so at the
// top their number would shift every declaration of the package's
// generated code, and with it the package's export data and the hash
// plugin.Open compares: a patch could not load. At the end they shift
// nothing. These directives mean the same anywhere in the file (unlike
// //go:cgo_unsafe_args, which belongs to the function below it), and the
// files are generated: nobody sees their positions.
func sinkCgoDirectives(src []byte) []byte {
	lines := strings.SplitAfter(string(src), "\n")
	var kept, directives []string
	for _, l := range lines {
		if strings.HasPrefix(l, "//go:cgo_ldflag ") || strings.HasPrefix(l, "//go:cgo_import_dynamic ") || strings.HasPrefix(l, "//go:cgo_dynamic_linker ") {
			if !strings.HasSuffix(l, "\n") {
				l += "\n"
			}
			directives = append(directives, l)
		} else {
			kept = append(kept, l)
		}
	}
	if len(directives) == 0 {
		return src
	}
	out := strings.Join(kept, "")
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return []byte(out + strings.Join(directives, ""))
}

// canonicalCgoDirectives makes the linker directives of a cgo-generated
// file the same whether the package is built for a program or for a
// plugin, under rules_go: the directives are part of the package's export
// data, whose hash plugin.Open compares, and rules_go builds the two with
// different C linker options (the C toolchain's executable or shared
// library ones, in CGO_LDFLAGS). So it drops
//   - the //go:cgo_ldflag lines that repeat a CGO_LDFLAGS flag: the C
//     toolchain's options, which rules_go passes to the final link
//     anyway (-extldflags); the package's own #cgo LDFLAGS stay;
//   - the dynamic imports of _cgo_import.go (//go:cgo_import_dynamic,
//     //go:cgo_dynamic_linker), which only internal linking uses: hot
//     programs and plugins are always linked externally.
func canonicalCgoDirectives(base string, src []byte, cgoLDFLAGS string) []byte {
	toolchain := map[string]bool{}
	for _, f := range strings.Fields(cgoLDFLAGS) {
		toolchain[f] = true
	}
	lines := strings.SplitAfter(string(src), "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.TrimRight(l, "\n")
		switch {
		case strings.HasPrefix(t, "//go:cgo_ldflag "):
			if v, err := strconv.Unquote(strings.TrimPrefix(t, "//go:cgo_ldflag ")); err == nil && toolchain[v] {
				continue
			}
		case base == "_cgo_import.go" && (strings.HasPrefix(t, "//go:cgo_import_dynamic ") || strings.HasPrefix(t, "//go:cgo_dynamic_linker ")):
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, ""))
}
