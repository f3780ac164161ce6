package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"strings"
)

// positionErrors checks that out, the rewrite of the file name whose source
// was in, keeps every original line where it was:
//
//   - out parses;
//   - the original part of out (everything before the generated section's
//     "//line x.hot.go:1" directive) has as many lines as in;
//   - on every line, the tokens (comments included) of in are a
//     subsequence of those of out: the rewriter only inserts, on the same
//     line, except that a blank identifier may have been given a name;
//   - every function keeps its position and its body's braces their lines.
//
// Lines are compared as the file's own lines, ignoring //line directives.
func positionErrors(name string, in, out []byte) []string {
	var errs []string
	errorf := func(format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s: ", name)+fmt.Sprintf(format, args...))
	}
	fset := token.NewFileSet()
	inAST, err := parser.ParseFile(fset, name, in, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		errorf("input does not parse: %v", err)
		return errs
	}
	outAST, err := parser.ParseFile(fset, name, out, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		errorf("output does not parse: %v", err)
		return errs
	}

	orig := out
	hot := "\n//line " + strings.TrimSuffix(path.Base(strings.ReplaceAll(name, `\`, "/")), ".go") + ".hot.go:1\n"
	if i := bytes.LastIndex(out, []byte(hot)); i >= 0 {
		orig = out[:i]
	}
	nIn, nOrig := countLines(in), countLines(orig)
	if nOrig != nIn {
		errorf("original part has %d lines, input has %d", nOrig, nIn)
	}
	if countLines(out) < nIn {
		errorf("output has fewer lines (%d) than input (%d)", countLines(out), nIn)
	}

	inToks, outToks := lineTokens(in), lineTokens(out)
	for line := 1; line <= nIn; line++ {
		if !subsequence(inToks[line], outToks[line]) {
			errorf("line %d: tokens %v not kept in %v", line, inToks[line], outToks[line])
		}
	}

	line := func(f *ast.File, p token.Pos) int {
		return fset.File(f.Pos()).PositionFor(p, false).Line
	}
	inFuncs, outFuncs := funcDecls(inAST), funcDecls(outAST)
	if len(outFuncs) < len(inFuncs) {
		errorf("output has %d functions, input %d", len(outFuncs), len(inFuncs))
		return errs
	}
	for i, fi := range inFuncs {
		fo := outFuncs[i]
		if fi.Name.Name != fo.Name.Name {
			errorf("function %d is %s, was %s", i, fo.Name.Name, fi.Name.Name)
			continue
		}
		if a, b := line(inAST, fi.Pos()), line(outAST, fo.Pos()); a != b {
			errorf("func %s moved from line %d to %d", fi.Name.Name, a, b)
		}
		if (fi.Body == nil) != (fo.Body == nil) {
			errorf("func %s: body added or removed", fi.Name.Name)
			continue
		}
		if fi.Body == nil {
			continue
		}
		if a, b := line(inAST, fi.Body.Lbrace), line(outAST, fo.Body.Lbrace); a != b {
			errorf("func %s: body { moved from line %d to %d", fi.Name.Name, a, b)
		}
		if a, b := line(inAST, fi.Body.Rbrace), line(outAST, fo.Body.Rbrace); a != b {
			errorf("func %s: body } moved from line %d to %d", fi.Name.Name, a, b)
		}
	}
	return errs
}

func funcDecls(f *ast.File) []*ast.FuncDecl {
	var fds []*ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			fds = append(fds, fd)
		}
	}
	return fds
}

// countLines counts lines, the last one with or without a newline.
func countLines(b []byte) int {
	n := bytes.Count(b, []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

type tok struct {
	tok token.Token
	lit string
}

func (t tok) String() string {
	if t.lit != "" && t.tok != token.SEMICOLON {
		return t.lit
	}
	return t.tok.String()
}

// lineTokens returns the tokens starting on each line (the file's own line
// numbers, ignoring //line directives).
func lineTokens(src []byte) map[int][]tok {
	fset := token.NewFileSet()
	tf := fset.AddFile("x.go", -1, len(src))
	var s scanner.Scanner
	s.Init(tf, src, func(token.Position, string) {}, scanner.ScanComments)
	m := map[int][]tok{}
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			return m
		}
		l := tf.PositionFor(pos, false).Line
		m[l] = append(m[l], tok{t, lit})
	}
}

// subsequence reports whether the tokens of in appear in out in order. A
// semicolon matches any semicolon (explicit or automatic), a blank
// identifier any identifier (the rewriter names blank parameters).
func subsequence(in, out []tok) bool {
	j := 0
	for _, t := range in {
		for ; j < len(out); j++ {
			o := out[j]
			if o.tok == t.tok && (o.lit == t.lit || t.tok == token.SEMICOLON || t.tok == token.IDENT && t.lit == "_") {
				break
			}
		}
		if j == len(out) {
			return false
		}
		j++
	}
	return true
}
