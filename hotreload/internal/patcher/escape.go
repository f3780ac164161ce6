package patcher

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/hotcompile"
	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
)

// A package rewritten in no-escape mode (the default with the hot
// compiler: instrument.NoEscapeAll) passes a function's arguments to its
// redirect without making them escape: its callers were compiled trusting
// the escape analysis of the base's body, and may have put on their stack
// what the body did not keep. A replacement that keeps more — a pointer
// parameter stored in a global, returned where the base did not return
// it — would leave a pointer into a dead frame. So every replaced function
// of such a package is checked: the hot compiler writes each pointer
// parameter's escape result (hotcompile.EscapeTagsEnv) for the base's
// body (the package's recorded rewrite compiled again, once per package
// and builder) and for the new one (the patch's compile), and an edit
// whose new body lets a parameter flow anywhere the base's did not, or
// with fewer dereferences, is refused, naming the parameter.

// escapeCheck is one replaced function to check.
type escapeCheck struct {
	u       *unit
	fd      *ast.FuncDecl
	local   string // the replacement's name in the patch
	display string // "F" or "T.M"
	decl    string // the refusal's declaration label
}

// leaks is one parameter's escape result: for each flow (heap, mutator,
// callee, results 0..4), the fewest dereferences, -1 for none.
type leaks [8]int

// flows names the flows of leaks, for messages.
var flows = [8]string{"the heap", "a pointer it stores through", "a call it makes", "result 1", "result 2", "result 3", "result 4", "result 5"}

// noEscapePackage reports whether u's package was rewritten in no-escape
// mode.
func (b *Builder) noEscapePackage(u *unit) bool {
	p := b.Kit.Packages[u.path]
	return p != nil && b.Kit.RewriteSettings(p).Config().NoEscape
}

// readLeaks reads a file the hot compiler wrote: function → parameter
// number → leaks. The instantiations of a generic function are combined:
// for the base (contained), what none of them escapes further than;
// otherwise, what any of them may do.
func readLeaks(file string, contained bool) (map[string]map[int]leaks, error) {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return map[string]map[int]leaks{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]map[int]leaks{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// The name may hold spaces ("F[go.shape.interface {}]"): the
		// numbers are the last fields.
		all := strings.Fields(sc.Text())
		if len(all) < 2+len(leaks{}) {
			return nil, fmt.Errorf("%s: unexpected line %q", file, sc.Text())
		}
		fs := append([]string{strings.Join(all[:len(all)-1-len(leaks{})], " ")}, all[len(all)-1-len(leaks{}):]...)
		n, err := strconv.Atoi(fs[1])
		if err != nil {
			return nil, fmt.Errorf("%s: unexpected line %q", file, sc.Text())
		}
		var l leaks
		for i := range l {
			if l[i], err = strconv.Atoi(fs[2+i]); err != nil {
				return nil, fmt.Errorf("%s: unexpected line %q", file, sc.Text())
			}
		}
		if strings.Contains(fs[0], "[") && !strings.Contains(fs[0], "go.shape.") {
			// A generic function's instantiation for concrete types
			// ("F[int]") is a wrapper passing the dictionary to the shaped
			// body ("F[go.shape.int]", whose parameter 1 is the
			// dictionary): only the shaped bodies are compared, their
			// parameters numbered alike on both sides.
			continue
		}
		name := normalFuncName(fs[0])
		if out[name] == nil {
			out[name] = map[int]leaks{}
		}
		if have, ok := out[name][n]; ok {
			if contained {
				l = intersect(have, l)
			} else {
				l = union(have, l)
			}
		}
		out[name][n] = l
	}
	return out, sc.Err()
}

// union is what may happen in a or in b: every flow, with the fewest
// dereferences.
func union(a, b leaks) leaks {
	for i := range a {
		if a[i] < 0 || (b[i] >= 0 && b[i] < a[i]) {
			a[i] = b[i]
		}
	}
	return a
}

// intersect is what happens in both a and b: the flows of both, with the
// most dereferences.
func intersect(a, b leaks) leaks {
	for i := range a {
		if b[i] < 0 || (a[i] >= 0 && b[i] > a[i]) {
			a[i] = b[i]
		}
	}
	return a
}

// normalFuncName is a function's linker name without the receiver's
// pointer and parentheses and without instantiations:
// "p.(*T[go.shape.int]).M" and "p.T.M" are both "p.T.M".
func normalFuncName(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth > 0, r == '(', r == ')', r == '*':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// worse returns the first flow in which n (the replacement's parameter)
// escapes further than base, or -1.
func worse(base, n leaks) int {
	for i := range n {
		if n[i] >= 0 && (base[i] < 0 || n[i] < base[i]) {
			return i
		}
	}
	return -1
}

// baseLeaks returns the escape results of the base's body of the package
// at path, compiling its recorded rewrite again with the hot compiler
// (once per builder), or why it cannot.
func (b *Builder) baseLeaks(path, cfg string) (map[string]map[int]leaks, error) {
	if l, ok := b.baseEscapes[path]; ok {
		return l, nil
	}
	k := b.Kit
	p := k.Packages[path]
	dir := k.RewriteDir(path)
	names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	if p == nil || len(names) == 0 {
		return nil, fmt.Errorf("the patch kit has no record of how %s was compiled", path)
	}
	sort.Strings(names)
	work, err := os.MkdirTemp(b.WorkDir, "escape-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	// Escape analysis needs no embedded files: the copies compiled
	// here lose their //go:embed lines (each kept as an empty comment,
	// so lines do not move), which would otherwise need the embed
	// configuration the build gave the compiler.
	for i, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		lines := strings.SplitAfter(string(src), "\n")
		for j, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "//go:embed") {
				lines[j] = "//\n"
			}
		}
		names[i] = filepath.Join(work, filepath.Base(name))
		if err := os.WriteFile(names[i], []byte(strings.Join(lines, "")), 0o644); err != nil {
			return nil, err
		}
	}
	tags := filepath.Join(work, "tags")
	s := k.RewriteSettings(p)
	args := []string{"-o", filepath.Join(work, "base.a"), "-p", s.LinkPath, "-importcfg", cfg, "-pack", "-c=1"}
	if s.Lang != "" {
		args = append(args, "-lang="+s.Lang)
	}
	if k.Race {
		args = append(args, "-race")
	}
	cmd := exec.Command(instrument.HotCompiler(), append(args, names...)...)
	cmd.Env = []string{hotcompile.EscapeTagsEnv + "=" + tags}
	if out, err := b.run(cmd); err != nil {
		return nil, fmt.Errorf("compiling the base of %s again for its escape analysis: %v\n%s", path, err, out)
	}
	l, err := readLeaks(tags, true)
	if err != nil {
		return nil, err
	}
	if b.baseEscapes == nil {
		b.baseEscapes = map[string]map[string]map[int]leaks{}
	}
	b.baseEscapes[path] = l
	return l, nil
}

// copyStrings is compileAndLink's answer when the only parameters that
// escape further than the base let them are strings: the patch is built
// again with a copy of each (Builder.copies). A string's bytes cannot be
// changed, so a copy is the same value to the new body, and the copy is
// the new body's own, on the heap.
type copyStrings struct{ copies map[string]map[string]bool }

func (c *copyStrings) Error() string { return "string parameters to copy" }

// checkEscapes compares each replaced function's parameters in the
// patch's compile (tags, written by it) with the base's, and returns the
// refusals, or, when every parameter that escapes further is a string
// not copied yet, the copies that make the patch sound.
func (b *Builder) checkEscapes(patchPath, cfg, tags string) ([]Refusal, map[string]map[string]bool, error) {
	if len(b.escapes) == 0 {
		return nil, nil, nil
	}
	now, err := readLeaks(tags, false)
	if err != nil {
		return nil, nil, err
	}
	var out []Refusal
	copies := map[string]map[string]bool{}
	for _, c := range b.escapes {
		base, err := b.baseLeaks(c.u.path, cfg)
		if err != nil {
			return nil, nil, err
		}
		link := b.Kit.RewriteSettings(b.Kit.Packages[c.u.path]).LinkPath
		was := base[normalFuncName(link+"."+c.display)]
		is := now[normalFuncName(patchPath+"."+c.local)]
		params := paramNames(c.u, c.fd)
		for n, l := range is {
			bl, ok := was[n]
			if !ok {
				bl = leaks{-1, -1, -1, -1, -1, -1, -1, -1}
			}
			if i := worse(bl, l); i >= 0 {
				name := fmt.Sprintf("parameter %d", n)
				if n-1 < len(params) && params[n-1] != "" {
					name = params[n-1]
					if b.copies == nil && isString(c.u, c.fd, name) {
						if copies[c.local] == nil {
							copies[c.local] = map[string]bool{}
						}
						copies[c.local][name] = true
						continue
					}
				}
				how := "escapes to " + flows[i]
				if l[i] > 0 {
					how = fmt.Sprintf("is dereferenced %d time(s) and then flows to %s", l[i], flows[i])
				}
				if bl[i] >= 0 {
					how += fmt.Sprintf(" (the base's body: after %d dereference(s))", bl[i])
				}
				out = append(out, c.u.refusal(c.u.fset.Position(c.fd.Pos()), c.decl,
					fmt.Sprintf("the new body lets %s escape further than the running code's callers were compiled to allow: it %s. "+
						"Hot code passes arguments to a replaced function without making them escape, so a caller may have %s on its stack, and the new body would keep a pointer into a dead frame; restart to apply (or --restart-on-rude)", name, how, name)))
				break
			}
		}
	}
	return out, copies, nil
}

// isString reports whether fd's receiver or parameter name is a string
// (of a type whose underlying type is string, not a type parameter).
func isString(u *unit, fd *ast.FuncDecl, name string) bool {
	var fields []*ast.Field
	if fd.Recv != nil {
		fields = append(fields, fd.Recv.List...)
	}
	fields = append(fields, fd.Type.Params.List...)
	for _, f := range fields {
		for _, n := range f.Names {
			if n.Name != name {
				continue
			}
			obj := u.info.Defs[n]
			if obj == nil {
				return false
			}
			if _, tp := obj.Type().(*types.TypeParam); tp {
				return false
			}
			basic, ok := obj.Type().Underlying().(*types.Basic)
			return ok && basic.Info()&types.IsString != 0
		}
	}
	return false
}

// paramNames are the names of fd's receiver and parameters, in order,
// "" for unnamed ones.
func paramNames(u *unit, fd *ast.FuncDecl) []string {
	var out []string
	add := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			if len(f.Names) == 0 {
				out = append(out, "")
			}
			for _, n := range f.Names {
				if n.Name == "_" {
					out = append(out, "")
				} else {
					out = append(out, n.Name)
				}
			}
		}
	}
	add(fd.Recv)
	add(fd.Type.Params)
	return out
}
