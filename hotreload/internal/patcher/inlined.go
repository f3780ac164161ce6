package patcher

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/hotcompile"
)

// A hot build may inline a function without its prologue
// (hotcompile.InlineEnv): the copy in each caller then costs what a plain
// build's does, and a redirect of the function does not reach it. The
// hot compiler records in each package's archive which functions it
// inlined where; a patch that replaces a function replaces, with the same
// text, every main-module function it was inlined into too (their new
// copies are compiled keeping the prologues: they call the new body). A
// caller only goes without a prologue if it is a function of the source,
// outside function literals of packages a patch may replace, so it always
// has a slot of its own.

// inlineCaller is a function of the main module that has a changed
// function inlined without its prologue.
type inlineCaller struct {
	pkg     string   // its package's import path
	name    string   // "F" or "T.M", as decl.name
	inlined []string // the changed functions it inlined, as shown
}

// closureSuffix is what a function literal's or a range-over-func body's
// linker name adds to its enclosing function's: "F.func1", "F.func1.2",
// "F-range1".
var closureSuffix = regexp.MustCompile(`(\.func\d+|-range\d+)(\.\d+)*.*$`)

// inlinedInto returns, by the normalized linker name of the callee
// (normalFuncName), the main-module functions the base inlined it into
// without its prologue, read from the archives of the main module's
// packages once per builder.
func (b *Builder) inlinedInto() (map[string][]inlineCaller, error) {
	if b.inlined != nil {
		return b.inlined, nil
	}
	out := map[string][]inlineCaller{}
	for path, p := range b.Kit.Packages {
		if !p.Main {
			continue
		}
		archive := b.Kit.ArchivePath(path)
		if archive == "" {
			continue
		}
		edges, err := hotcompile.ReadInlined(archive)
		if err != nil {
			return nil, fmt.Errorf("reading what the base inlined in %s: %v", path, err)
		}
		prefix := b.Kit.RewriteSettings(p).LinkPath + "."
		for callee, callers := range edges {
			seen := map[string]bool{}
			for _, c := range callers {
				name, ok := strings.CutPrefix(normalFuncName(c), prefix)
				if !ok {
					continue
				}
				name = closureSuffix.ReplaceAllString(name, "")
				if name == "init" || strings.HasPrefix(name, "init.") || seen[name] {
					// A package's initialization ran at start-up, and
					// does not run again.
					continue
				}
				seen[name] = true
				key := normalFuncName(callee)
				out[key] = append(out[key], inlineCaller{pkg: path, name: name})
			}
		}
	}
	b.inlined = out
	return out, nil
}

// inlineCallers returns, by package, the main-module functions that have
// a function the patch replaces inlined without its prologue, with what
// they inlined, leaving out those the patch replaces anyway.
func (b *Builder) inlineCallers(units []*unit) (map[string][]inlineCaller, error) {
	changed := map[string]string{} // normalized linker name → as shown
	replaced := map[string]bool{}  // "pkg\x00name"
	for _, u := range units {
		if u.info == nil || len(u.ch.refusals) > 0 {
			continue
		}
		link := b.Kit.RewriteSettings(b.Kit.Packages[u.path]).LinkPath
		for _, d := range u.ch.changed {
			replaced[u.path+"\x00"+d.name] = true
			if strings.HasPrefix(d.key, "init#") || u.litsOnly[d.name] {
				// Every change of a function whose changes are all in
				// literals the patch redirects reaches its inlined copies:
				// a literal keeps its own prologue there.
				continue
			}
			changed[normalFuncName(link+"."+d.name)] = b.Kit.Packages[u.path].Name + "." + d.name
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	into, err := b.inlinedInto()
	if err != nil {
		return nil, err
	}
	byFunc := map[string]*inlineCaller{}
	for callee, shown := range changed {
		for _, c := range into[callee] {
			k := c.pkg + "\x00" + c.name
			if replaced[k] {
				continue
			}
			if byFunc[k] == nil {
				byFunc[k] = &inlineCaller{pkg: c.pkg, name: c.name}
			}
			byFunc[k].inlined = append(byFunc[k].inlined, shown)
		}
	}
	out := map[string][]inlineCaller{}
	for _, c := range byFunc {
		sort.Strings(c.inlined)
		out[c.pkg] = append(out[c.pkg], *c)
	}
	for _, cs := range out {
		sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	}
	return out, nil
}

// inlineUsers replaces, with the same text, the functions of u that
// inlined a replaced function without its prologue, and says so.
func (u *unit) inlineUsers(callers []inlineCaller) {
	if len(callers) == 0 {
		return
	}
	have := map[string]bool{}
	for _, d := range u.ch.changed {
		have[d.name] = true
	}
	cur := declsOf(u.fset, u.files)
	byName := map[string]*decl{}
	for _, key := range sortedDeclKeys(cur) {
		d := cur[key]
		if strings.HasPrefix(key, "func ") || strings.HasPrefix(key, "method ") {
			byName[d.name] = d
		}
	}
	var names []string
	for _, c := range callers {
		d := byName[c.name]
		if d == nil {
			// Deleted since the base (its callers changed, and are
			// replaced or refused for that), or a name this package
			// does not declare: say what may still run old code.
			note := fmt.Sprintf("package %s: %s, into which the build inlined %s, is not a function of the current sources: where the running program still calls it, it runs the old %s (restart to be sure)", u.pkg.Name(), c.name, strings.Join(c.inlined, ", "), strings.Join(c.inlined, ", "))
			u.ch.notes = append(u.ch.notes, note)
			u.ch.notLive = append(u.ch.notLive, note)
			continue
		}
		names = append(names, fmt.Sprintf("%s (inlined %s)", c.name, strings.Join(c.inlined, ", ")))
		if !have[c.name] {
			u.ch.changed = append(u.ch.changed, d)
			u.ch.inlineUsers = append(u.ch.inlineUsers, d)
			have[c.name] = true
		}
	}
	if len(names) > 0 {
		u.ch.notes = append(u.ch.notes, fmt.Sprintf("package %s: replaced too, as the build inlined a changed function into them: %s", u.pkg.Name(), strings.Join(names, "; ")))
	}
}
