// Command hotrewrite instruments the source files of one Go package for hot
// code reload, the way the compile wrapper does, and shows or writes the
// result.
//
// Usage:
//
//	hotrewrite [-p importpath] [-o outdir] [-race] [-noescape] [-lang go1.N]
//	           [-manifest file.json] [-skipped] [-typecheck] files...
//
// Without -o the rewritten files are printed to standard output as a txtar
// archive. With -o they are written under outdir with their base names.
// -manifest writes the manifest (JSON) to a file ("-" for standard output).
// -skipped lists the functions left alone as "file:line: Name: reason".
// -typecheck type-checks the input files with go/types first.
//
// On any error hotrewrite writes nothing (outputs are prepared in a
// temporary directory and moved into place only when everything succeeded),
// prints the errors as file:line:col: message and exits with status 1.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"

	"github.com/gohot/rules_go_hot/tools/rewriter"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hotrewrite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		importPath = fs.String("p", "", "import path of the package (default: the package name)")
		outDir     = fs.String("o", "", "write the rewritten files into this `dir` instead of standard output")
		race       = fs.Bool("race", false, "race-detector-clean slot loads")
		noEscape   = fs.Bool("noescape", false, "pass arguments to redirects without making them escape")
		lang       = fs.String("lang", "", "language `version` the package is compiled at (e.g. go1.21)")
		manifest   = fs.String("manifest", "", "write the manifest as JSON to this `file` (- for standard output)")
		skipped    = fs.Bool("skipped", false, "list skipped functions as file:line: Name: reason")
		typecheck  = fs.Bool("typecheck", false, "type-check the input with go/types first")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: hotrewrite [-p importpath] [-o outdir] [-race] [-noescape] [-lang go1.N] [-manifest file.json] [-skipped] [-typecheck] files...\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int {
		var el scanner.ErrorList
		if errors.As(err, &el) {
			for _, e := range el {
				fmt.Fprintln(stderr, e)
			}
		} else {
			fmt.Fprintln(stderr, "hotrewrite:", err)
		}
		return 1
	}

	var files []rewriter.File
	for _, name := range fs.Args() {
		src, err := os.ReadFile(name)
		if err != nil {
			return fail(err)
		}
		files = append(files, rewriter.File{Name: name, Src: src})
	}
	if *typecheck {
		if err := typeCheck(*importPath, *lang, files); err != nil {
			return fail(err)
		}
	}
	path := *importPath
	if path == "" {
		path = packageName(files)
	}
	res, err := rewriter.Rewrite(rewriter.Config{
		ImportPath: path,
		Race:       *race,
		NoEscape:   *noEscape,
		GoVersion:  *lang,
	}, files)
	if err != nil {
		return fail(err)
	}

	// Prepare every output before writing any.
	var man []byte
	if *manifest != "" {
		man, err = json.MarshalIndent(res.Manifest, "", "\t")
		if err != nil {
			return fail(err)
		}
		man = append(man, '\n')
	}
	// Stage every output, then move them all into place.
	var commits []func() error
	if *outDir != "" {
		commit, cleanup, err := stageDir(*outDir, res.Files)
		defer cleanup()
		if err != nil {
			return fail(err)
		}
		commits = append(commits, commit)
	}
	if man != nil && *manifest != "-" {
		commit, cleanup, err := stageFile(*manifest, man)
		defer cleanup()
		if err != nil {
			return fail(err)
		}
		commits = append(commits, commit)
	}
	for _, commit := range commits {
		if err := commit(); err != nil {
			return fail(err)
		}
	}
	var out bytes.Buffer
	if *outDir == "" {
		for _, f := range res.Files {
			fmt.Fprintf(&out, "-- %s --\n", f.Name)
			out.Write(f.Src)
			if len(f.Src) > 0 && f.Src[len(f.Src)-1] != '\n' {
				out.WriteByte('\n')
			}
		}
	}
	stdout.Write(out.Bytes())
	if *manifest == "-" {
		stdout.Write(man)
	}
	if *skipped {
		for _, s := range res.Manifest.Skipped {
			fmt.Fprintf(stdout, "%s: %s: %s\n", s.Pos, s.Name, s.Reason)
		}
	}
	return 0
}

// packageName returns the package clause of the first file that has one.
func packageName(files []rewriter.File) string {
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f.Name, f.Src, parser.PackageClauseOnly)
		if err == nil {
			return af.Name.Name
		}
	}
	return ""
}

// typeCheck type-checks the input files as one package, importing its
// dependencies from source.
func typeCheck(importPath, lang string, files []rewriter.File) error {
	fset := token.NewFileSet()
	var afs []*ast.File
	var errs scanner.ErrorList
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments)
		if err != nil {
			var el scanner.ErrorList
			if errors.As(err, &el) {
				errs = append(errs, el...)
				continue
			}
			return err
		}
		afs = append(afs, af)
	}
	if len(errs) > 0 {
		errs.Sort()
		return errs
	}
	if importPath == "" {
		importPath = afs[0].Name.Name
	}
	conf := types.Config{
		Importer:  importer.ForCompiler(fset, "source", nil),
		GoVersion: lang,
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				errs.Add(te.Fset.Position(te.Pos), te.Msg)
			}
		},
	}
	conf.Check(importPath, fset, afs, nil)
	if len(errs) > 0 {
		errs.Sort()
		return errs
	}
	return nil
}

// stageDir writes files, with their base names, into a temporary
// directory next to dir; commit moves them into dir (creating it), cleanup
// removes what is left of the temporary directory.
func stageDir(dir string, files []rewriter.File) (commit func() error, cleanup func(), err error) {
	cleanup = func() {}
	seen := map[string]string{}
	var names []string
	for _, f := range files {
		b := filepath.Base(f.Name)
		if prev, ok := seen[b]; ok {
			return nil, cleanup, fmt.Errorf("%s and %s would both be written as %s", prev, f.Name, filepath.Join(dir, b))
		}
		seen[b] = f.Name
		names = append(names, b)
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, cleanup, fmt.Errorf("%s is not a directory", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if _, err := os.Stat(parent); err != nil {
		return nil, cleanup, err
	}
	tmp, err := os.MkdirTemp(parent, ".hotrewrite-")
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f.Name)), f.Src, 0o644); err != nil {
			return nil, cleanup, err
		}
	}
	commit = func() error {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.Chmod(tmp, 0o755); err != nil {
				return err
			}
			return os.Rename(tmp, dir)
		}
		for _, b := range names {
			if err := os.Rename(filepath.Join(tmp, b), filepath.Join(dir, b)); err != nil {
				return err
			}
		}
		return nil
	}
	return commit, cleanup, nil
}

// stageFile writes data to a temporary file next to name; commit renames
// it to name.
func stageFile(name string, data []byte) (commit func() error, cleanup func(), err error) {
	cleanup = func() {}
	f, err := os.CreateTemp(filepath.Dir(name), ".hotrewrite-*")
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() { os.Remove(f.Name()) }
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, cleanup, err
	}
	return func() error { return os.Rename(f.Name(), name) }, cleanup, nil
}
