package hotcompile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/toolsrc"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// Compiler is the hot compiler of one toolchain.
type Compiler struct {
	// Path is the executable, named compile as the go command names the
	// tool.
	Path string
	// Key names this compiler: the Go version and a digest of the
	// original sources and the changes. Objects it compiles must not be
	// mixed with the stock compiler's in a build cache.
	Key string
}

// NotApplicable is the error of a toolchain whose inliner source is not
// the code the change applies to.
type NotApplicable = toolsrc.NotApplicable

// fixes change go1.26's cmd/compile/internal (paths under it): the
// inliner and escape analysis.
var fixes = []toolsrc.Fix{{
	File: "inline/inl.go",
	Why:  "a prologue costs the inliner nothing (hot_prologue.go), as coverage counters do",
	Old:  "\tcase ir.OIF:\n\t\tn := n.(*ir.IfStmt)\n\t\tif ir.IsConst(n.Cond, constant.Bool) {",
	New:  "\tcase ir.OIF:\n\t\tn := n.(*ir.IfStmt)\n\t\tif isHotPrologue(n) {\n\t\t\treturn v.hotPrologue(n)\n\t\t}\n\t\tif ir.IsConst(n.Cond, constant.Bool) {",
}, {
	File: "noder/reader.go",
	Why:  "an inlined copy may go without its prologue ($GOHOT_INLINE, hot_inlined.go), and says so: the patcher patches its callers again",
	Old:  "\t\t\tr.curfn.Body = r.stmts()\n",
	New:  "\t\t\tr.curfn.Body = inline.HotInlinedBody(callerfn, fn, r.stmts())\n",
}, {
	File: "gc/obj.go",
	Why:  "the functions inlined into each function ride in the package's archive (member " + InlinedMember + "), as the build cached it",
	Old:  "\t\tfinishArchiveEntry(bout, start, \"_go_.o\")\n\t}\n",
	New:  "\t\tfinishArchiveEntry(bout, start, \"_go_.o\")\n\t\tif edges := hotInlinedEdges(); edges != nil {\n\t\t\tstart := startArchiveEntry(bout)\n\t\t\tbout.Write(edges)\n\t\t\tfinishArchiveEntry(bout, start, \"" + InlinedMember + "\")\n\t\t}\n\t}\n",
}, {
	File: "escape/escape.go",
	Why:  "each parameter's escape result can be written out ($GOHOT_ESCAPE_TAGS, hot_escape.go): the patcher compares a new body's with the base's",
	Old:  "func (b *batch) paramTag(fn *ir.Func, narg int, f *types.Field) string {\n",
	New:  "func (b *batch) paramTag(fn *ir.Func, narg int, f *types.Field) string {\n\ttag := b.paramTagPlain(fn, narg, f)\n\thotRecordParamTag(fn, narg, f, tag)\n\treturn tag\n}\n\nfunc (b *batch) paramTagPlain(fn *ir.Func, narg int, f *types.Field) string {\n",
}}

// EscapeTagsEnv names a file to which the hot compiler appends, for every
// parameter with pointers of every function it compiles, the outcome of
// escape analysis: "<linker name of the function> <parameter number,
// the receiver first, from 1> <heap> <mutator> <callee> <result 0>
// ... <result 4>", each the fewest dereferences of a flow from the
// parameter there, -1 for none (cmd/compile/internal/escape's leaks).
const EscapeTagsEnv = "GOHOT_ESCAPE_TAGS"

// InlineEnv says what the hot compiler does with the prologue of a function
// it inlines. Unset (or InlineKeep), the inlined copy keeps it, and a
// redirect of the callee reaches the copy (a mock, a patch's own code).
// InlineDrop and InlineRecord, the copy goes without it, and the archive
// records, for each function, the functions inlined into it that way
// (member InlinedMember, always written): an edit of one of them reaches
// those callers by patching them again (the patcher reads the member).
// InlineRecord, for the code a patch may replace, keeps the prologues in
// function literals: patching their enclosing function again would not
// reach a closure made earlier; InlineDrop (the standard library,
// dependencies) drops those too. Method, dictionary and method-value
// wrappers, and the functions the rewriter generates, always keep them:
// no patch replaces those.
const InlineEnv = "GOHOT_INLINE"

// The values of InlineEnv.
const (
	InlineKeep   = "keep"
	InlineDrop   = "drop"
	InlineRecord = "record"
)

// InlinedMember is the archive member in which the hot compiler records,
// under InlineRecord, the functions it inlined without their prologue:
// one line per caller and callee, "<caller>\t<callee>\n", both linker
// names, sorted. A short name without a .o extension: the linker skips
// it.
const InlinedMember = "__.HOTINLINED"

// inlinedFile is added to package inline.
const inlinedFile = `package inline

import (
	"os"
	"sort"
	"strings"

	"cmd/compile/internal/ir"
)

var hotInline = os.Getenv("` + InlineEnv + `")

var hotEdges = map[string]bool{}

// HotInlinedBody returns the body of fn as inlined into callerfn: without
// its prologue, when $` + InlineEnv + ` says so and callerfn is a function
// of the source (not a wrapper; not a function literal under "` + InlineRecord + `"),
// recording that callerfn inlined fn.
func HotInlinedBody(callerfn, fn *ir.Func, body []ir.Node) []ir.Node {
	if hotInline != "` + InlineDrop + `" && hotInline != "` + InlineRecord + `" || len(body) == 0 {
		return body
	}
	for f := callerfn; f != nil; f = f.ClosureParent {
		if f.Wrapper() || IsHotGenerated(f.Sym().Name) {
			// No patch replaces a wrapper, nor a function the rewriter
			// generated (GoHotW_..., a method value's redirectable
			// wrapper): the copy in it must follow the callee's slot.
			return body
		}
	}
	if hotInline == "` + InlineRecord + `" && callerfn.OClosure != nil {
		return body
	}
	n, ok := body[0].(*ir.IfStmt)
	if !ok || !isHotPrologue(n) {
		return body
	}
	hotEdges[ir.LinkFuncName(callerfn)+"\t"+ir.LinkFuncName(fn)] = true
	return body[1:]
}

// HotInlinedEdges returns the archive member recording what was inlined
// without its prologue (empty, not nil, when nothing was), or nil when
// every inlined copy kept it.
func HotInlinedEdges() []byte {
	if hotInline != "` + InlineDrop + `" && hotInline != "` + InlineRecord + `" {
		return nil
	}
	lines := make([]string, 0, len(hotEdges))
	for e := range hotEdges {
		lines = append(lines, e+"\n")
	}
	sort.Strings(lines)
	return append([]byte{}, strings.Join(lines, "")...)
}
`

// gcInlinedFile is added to package gc, whose obj.go writes the archive
// (and does not import package inline).
const gcInlinedFile = `package gc

import "cmd/compile/internal/inline"

var hotInlinedEdges = inline.HotInlinedEdges
`

// escapeFile is added to package escape.
const escapeFile = `package escape

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"cmd/compile/internal/ir"
	"cmd/compile/internal/types"
)

var hotTags struct {
	sync.Mutex
	f *os.File
}

// hotRecordParamTag appends the parameter's escape result to the file
// $` + EscapeTagsEnv + ` names, if set.
func hotRecordParamTag(fn *ir.Func, narg int, f *types.Field, tag string) {
	path := os.Getenv("` + EscapeTagsEnv + `")
	if path == "" || !f.Type.HasPointers() {
		return
	}
	l := parseLeaks(tag)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", ir.LinkFuncName(fn), narg)
	for i := range l {
		fmt.Fprintf(&b, " %d", l.get(i))
	}
	b.WriteByte('\n')
	hotTags.Lock()
	defer hotTags.Unlock()
	if hotTags.f == nil {
		var err error
		if hotTags.f, err = os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "compile: %v\n", err)
			os.Exit(2)
		}
	}
	hotTags.f.WriteString(b.String())
}
`

// prologueFile is added to package inline: it visits a prologue for what
// the inliner must know of it (the locals it uses, a construct that
// cannot be inlined) without charging its cost.
const prologueFile = `package inline

import "cmd/compile/internal/ir"

// isHotPrologue reports whether n is a rules_go_hot prologue: an if
// statement whose init reads a slot ("h := GoHotS_F") or calls a slot's
// loader ("h := GoHotL_F()").
func isHotPrologue(n *ir.IfStmt) bool {
	for _, s := range n.Init() {
		as, ok := s.(*ir.AssignStmt)
		if !ok || as.Y == nil {
			continue
		}
		y := as.Y
		if y.Op() == ir.OCALLFUNC {
			y = y.(*ir.CallExpr).Fun
		}
		if y.Op() != ir.ONAME {
			continue
		}
		if name := y.(*ir.Name); (name.Class == ir.PEXTERN || name.Class == ir.PFUNC) && IsHotPrologueSlot(name.Sym().Name) {
			return true
		}
	}
	return false
}

// hotPrologue visits the prologue n with a budget it cannot exhaust, then
// restores the budget: it costs nothing.
func (v *hairyVisitor) hotPrologue(n *ir.IfStmt) bool {
	budget := v.budget
	v.budget = 1 << 24
	stop := ir.DoChildren(n, v.do)
	v.budget = budget
	return stop
}
`

// sources returns the changed and added files of the compiler whose
// cmd/compile/internal is dir, and the key naming the compiler built
// from them.
func sources(dir, goVersion string) (map[string]string, string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", goVersion)
	texts, err := toolsrc.Apply(h, "hot compiler", dir, fixes)
	if err != nil {
		return nil, "", err
	}
	slotNames, ok := strings.CutPrefix(rewriter.SlotNameSource, "package rewriter\n")
	if !ok {
		return nil, "", fmt.Errorf("tools/rewriter/slotname.go does not start with its package clause")
	}
	texts["inline/hot_slotname.go"] = "package inline\n" + slotNames
	texts["inline/hot_prologue.go"] = prologueFile
	texts["inline/hot_inlined.go"] = inlinedFile
	texts["gc/hot_inlined.go"] = gcInlinedFile
	texts["escape/hot_escape.go"] = escapeFile
	for _, name := range []string{"inline/hot_slotname.go", "inline/hot_prologue.go", "inline/hot_inlined.go", "gc/hot_inlined.go", "escape/hot_escape.go"} {
		fmt.Fprintf(h, "%s\n%s", name, texts[name])
	}
	return texts, goVersion + "-" + hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// Build returns the hot compiler of the toolchain at goroot (its go
// version goVersion), building it under cacheDir if it is not there yet:
// ~10 s with a warm build cache, ~80 s cold, once per toolchain (and
// version of these changes). It refuses with *NotApplicable when the
// change does not apply to this toolchain's source.
func Build(ctx context.Context, goroot, goVersion, cacheDir string) (*Compiler, error) {
	dir := filepath.Join(goroot, "src", "cmd", "compile", "internal")
	texts, key, err := sources(dir, goVersion)
	if err != nil {
		return nil, err
	}
	c := &Compiler{Path: filepath.Join(cacheDir, "hotcompile", key, "compile"), Key: key}
	if _, err := os.Stat(c.Path); err == nil {
		return c, nil
	}
	if err := toolsrc.Build(ctx, goroot, "cmd/compile", dir, texts, filepath.Join(filepath.Dir(c.Path), "src"), c.Path); err != nil {
		return nil, err
	}
	return c, nil
}
