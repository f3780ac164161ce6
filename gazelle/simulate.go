package gazelle

import (
	"path/filepath"
	"sync"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/merger"
	"github.com/bazelbuild/bazel-gazelle/rule"
	bzl "github.com/bazelbuild/buildtools/build"
)

// pkgSim is Gazelle's merge of the Go extension's rules into one BUILD
// file, done ahead of time on copies.
//
// The hot targets must mirror the go_binary targets as they will be once
// Gazelle has merged, not as the Go extension generated them: the merge
// keeps what users added (x_defs, data, args, # keep'd values), keeps an
// existing binary's name (go_binary matches any one go_binary), deletes a
// binary whose package is no longer a command, and leaves alone binaries
// the Go extension knows nothing of. GenerateRules runs before that merge
// and cannot see its result, so it runs Gazelle's own merger on a copy of
// the file with copies of the Go rules: the same code on the same inputs.
// After resolution (Resolve), the copy gets the post-resolve merge too, for
// the go_binary's final deps.
type pkgSim struct {
	file        *rule.File
	empty, gen  []*rule.Rule // copies of the Go extension's rules
	realGen     []*rule.Rule // the originals of gen, in the same order
	kinds       map[string]rule.KindInfo
	aliases     map[string]string
	binaryKinds map[string]bool

	resolveOnce sync.Once
}

func (l *hotLang) simulate(args language.GenerateArgs) (*pkgSim, error) {
	c := args.Config
	s := &pkgSim{
		kinds:       make(map[string]rule.KindInfo),
		aliases:     c.AliasMap,
		binaryKinds: kindNames(c, binaryKind),
	}
	if args.File != nil {
		f, err := rule.LoadData(args.File.Path, args.File.Pkg, bzl.Format(args.File.File))
		if err != nil {
			return nil, err
		}
		s.file = f
	} else {
		s.file = rule.EmptyFile(filepath.Join(args.Dir, c.DefaultBuildFileName()), args.Rel)
	}
	// Only the Go extension's rules: other languages' kinds are unknown
	// here, and they cannot make or break a go_binary.
	for kind, info := range l.goKinds {
		s.kinds[kind] = info
	}
	for _, r := range args.OtherEmpty {
		if _, ok := l.goKinds[r.Kind()]; ok {
			s.empty = append(s.empty, cloneRule(r))
		}
	}
	for _, r := range args.OtherGen {
		if _, ok := l.goKinds[r.Kind()]; ok {
			s.gen = append(s.gen, cloneRule(r))
			s.realGen = append(s.realGen, r)
		}
	}
	s.mapKinds(c)
	if args.File == nil {
		// Gazelle inserts into a new file without merging.
		for _, r := range s.gen {
			r.Insert(s.file)
		}
	} else {
		merger.MergeFile(s.file, s.empty, s.gen, merger.PreResolve, s.kinds, s.aliases)
	}
	s.file.Sync()
	return s, nil
}

// mapKinds applies `# gazelle:map_kind` as Gazelle does after all
// languages generated: to the generated rules and the file's own.
func (s *pkgSim) mapKinds(c *config.Config) {
	rules := append(append(append([]*rule.Rule(nil), s.gen...), s.empty...), s.file.Rules...)
	for _, r := range rules {
		if to := mappedKind(c, r.Kind()); to != r.Kind() {
			s.kinds[to] = s.kinds[r.Kind()]
			r.SetKind(to)
		}
	}
}

// binaries returns the go_binary targets of the merged file (go_binary,
// its map_kind replacement, or a macro `# gazelle:alias_kind` declares a
// go_binary), in file order.
func (s *pkgSim) binaries() []*rule.Rule {
	var bins []*rule.Rule
	for _, r := range s.file.Rules {
		if s.binaryKinds[r.Kind()] || s.binaryKinds[s.aliases[r.Kind()]] {
			bins = append(bins, r)
		}
	}
	return bins
}

// resolvedDeps returns the deps binary will have after Gazelle's
// post-resolve merge. It must run after the Go extension resolved its
// rules of this package, which Gazelle does before resolving the rules of
// any later language (rules are resolved in generation order).
func (s *pkgSim) resolvedDeps(binary string) bzl.Expr {
	s.resolveOnce.Do(func() {
		for i, r := range s.realGen {
			if d := r.Attr("deps"); d != nil {
				s.gen[i].SetAttr("deps", copyExpr(d))
			} else {
				s.gen[i].DelAttr("deps")
			}
		}
		merger.MergeFile(s.file, s.empty, s.gen, merger.PostResolve, s.kinds, s.aliases)
		s.file.Sync()
	})
	for _, r := range s.binaries() {
		if r.Name() == binary {
			return r.Attr("deps")
		}
	}
	return nil
}

// cloneRule copies a generated rule: kind, name, attributes (deep) and
// private attributes (Gazelle's insert position among them).
func cloneRule(r *rule.Rule) *rule.Rule {
	c := rule.NewRule(r.Kind(), r.Name())
	for _, k := range r.AttrKeys() {
		if k != "name" {
			c.SetAttr(k, copyExpr(r.Attr(k)))
		}
	}
	for _, k := range r.PrivateAttrKeys() {
		c.SetPrivateAttr(k, r.PrivateAttr(k))
	}
	return c
}

// mappedKind follows `# gazelle:map_kind` replacements from kind, as
// Gazelle does (transitively; a loop, which Gazelle reports, stops it).
func mappedKind(c *config.Config, kind string) string {
	seen := map[string]bool{kind: true}
	for {
		m, ok := c.KindMap[kind]
		if !ok || seen[m.KindName] {
			return kind
		}
		kind = m.KindName
		seen[kind] = true
	}
}

// kindNames returns the names a rule of kind may have in a BUILD file:
// the kind itself and its map_kind replacement.
func kindNames(c *config.Config, kind string) map[string]bool {
	return map[string]bool{kind: true, mappedKind(c, kind): true}
}
