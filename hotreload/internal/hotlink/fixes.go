package hotlink

import (
	_ "embed"

	"github.com/gohot/rules_go_hot/hotreload/internal/toolsrc"
)

// fixes are the changes the private linker makes to go1.26's cmd/link
// (measured in docs/PATCH-LINKING.md). Each old text must occur exactly
// once.
var fixes = []toolsrc.Fix{
	{
		File: "loader/loader.go",
		Why:  "a plugin's link sizes the loader's name tables for its few thousand symbols, not for a whole program (clearing 130,000 empty slots was a sixth of a patch's link)",
		Old:  "\tsymsByName:           [2]map[string]Sym{make(map[string]Sym, 80000), make(map[string]Sym, 50000)}, // preallocate ~2MB for ABI0 and ~1MB for ABI1 symbols",
		New:  "\tsymsByName:           [2]map[string]Sym{make(map[string]Sym, SymsByNameHint[0]), make(map[string]Sym, SymsByNameHint[1])},",
	},
	{
		File: "loader/loader.go",
		Why:  "(the same)",
		Old:  "\nfunc NewLoader(flags uint32, reporter *ErrorReporter) *Loader {\n",
		New:  "\n// SymsByNameHint sizes the name tables of a new Loader (ABI0, ABIInternal).\nvar SymsByNameHint = [2]int{80000, 50000}\n\nfunc NewLoader(flags uint32, reporter *ErrorReporter) *Loader {\n",
	},
	{
		File: "ld/lib.go",
		Why:  "(the same)",
		Old:  "\tctxt.loader = loader.NewLoader(flags, &ctxt.ErrorReporter.ErrorReporter)\n",
		New:  "\tif ctxt.BuildMode == BuildModePlugin && ctxt.linkShared {\n\t\tloader.SymsByNameHint = [2]int{16384, 16384}\n\t}\n\tctxt.loader = loader.NewLoader(flags, &ctxt.ErrorReporter.ErrorReporter)\n",
	},
	{
		File: "ld/main.go",
		Why:  "the linker indexes a shared library and stops when asked to ($GOHOT_SHLIB_INDEX_BUILD: hotlink.Linker.Index)",
		Old:  "\tlog.SetPrefix(\"link: \")\n\tlog.SetFlags(0)\n",
		New:  "\tlog.SetPrefix(\"link: \")\n\tlog.SetFlags(0)\n\tshlibIndexCommand()\n",
	},
	{
		File: "ld/ld.go",
		Why:  "a -linkshared plugin's runtime.addmoduledata is the shared library's, not its own (SIGTRAP in dlopen)",
		Old:  "\tif ctxt.BuildMode == BuildModePlugin {\n\t\tctxt.Textp = append(ctxt.Textp, amd)\n\t}",
		New:  "\tif ctxt.BuildMode == BuildModePlugin && !ctxt.linkShared {\n\t\tctxt.Textp = append(ctxt.Textp, amd)\n\t}",
	},
	{
		File: "ld/symtab.go",
		Why:  "a plugin's package hashes leave out the shared libraries' packages (checked by their ABI hash)",
		Old:  "\t\tfor i, l := range ctxt.Library {\n\t\t\t// pkghashes[i].name",
		New:  "\t\tvar libs []*sym.Library\n\t\tfor _, l := range ctxt.Library {\n\t\t\tif l.Shlib == \"\" {\n\t\t\t\tlibs = append(libs, l)\n\t\t\t}\n\t\t}\n\t\tfor i, l := range libs {\n\t\t\t// pkghashes[i].name",
	},
	{
		File: "ld/symtab.go",
		Why:  "(the same)",
		Old:  "\t\tslice(pkghashes.Sym(), uint64(len(ctxt.Library)))",
		New:  "\t\tslice(pkghashes.Sym(), uint64(len(libs)))",
	},
	{
		File: "ld/lib.go",
		Why:  "a plugin loads only the shared library's symbols it refers to, those the linker looks up by name, and what their type data points to, read from an index of the library (hotlink_shlib.go)",
		Old:  "\tsyms, err := f.DynamicSymbols()\n\tif err != nil {\n\t\tErrorf(\"cannot read symbols from shared library: %s\", libpath)",
		New:  "\tsyms, keptTargets, lazy, err := shlibSymbols(ctxt, f, libpath, hash)\n\tif err != nil {\n\t\tErrorf(\"cannot read symbols from shared library: %s\", libpath)",
	},
	{
		File: "ld/lib.go",
		Why:  "(the same: the table of the loaded symbols' addresses is made for their number)",
		Old:  "\tsymAddr := map[string]uint64{}\n",
		New:  "\tsymAddr := make(map[string]uint64, len(syms))\n",
	},
	{
		File: "ld/lib.go",
		Why:  "(the same: the relocations of the loaded type data come from the index)",
		Old:  "\t// Load relocations.\n",
		New:  "\tif lazy {\n\t\tctxt.Shlibs = append(ctxt.Shlibs, Shlib{Path: libpath, Hash: hash, Deps: deps, File: f, symAddr: symAddr, relocTarget: keptTargets})\n\t\treturn\n\t}\n\n\t// Load relocations.\n",
	},
	{
		File: "ld/lib.go",
		Why:  "(the same: every loaded symbol's address is recorded)",
		Old:  "\t\tl := ctxt.loader\n\t\ts := l.LookupOrCreateSym(symname, ver)\n",
		New:  "\t\tl := ctxt.loader\n\t\tsymAddr[elfsym.Name] = elfsym.Value\n\t\ts := l.LookupOrCreateSym(symname, ver)\n",
	},
	{
		File: "ld/lib.go",
		Why:  "(the same: the address is recorded above)",
		Old:  "\t\t\tl.SetSymExtname(s, elfsym.Name)\n\t\t}\n\t\tsymAddr[elfsym.Name] = elfsym.Value\n",
		New:  "\t\t\tl.SetSymExtname(s, elfsym.Name)\n\t\t}\n",
	},
	{
		File: "ld/lib.go",
		Why:  "a shared library's type data is read from a mapping of the library, not one pread per symbol",
		Old:  "\tdata := make([]byte, sym.Size)\n\tsect := f.Sections[sym.Section]\n",
		New:  "\tsect := f.Sections[sym.Section]\n",
	},
	{
		File: "ld/lib.go",
		Why:  "(the same)",
		Old:  "\tn, err := sect.ReadAt(data, int64(sym.Value-sect.Addr))\n\tif uint64(n) != sym.Size {\n\t\tErrorf(\"reading contents of %s: %v\", sym.Name, err)\n\t}\n\treturn data\n}",
		New: "\tall := shlibSectionData(f, sect)\n" +
			"\toff := sym.Value - sect.Addr\n\tif off+sym.Size > uint64(len(all)) {\n\t\tErrorf(\"reading contents of %s: out of its section\", sym.Name)\n\t\treturn make([]byte, sym.Size)\n\t}\n\treturn append([]byte(nil), all[off:off+sym.Size]...)\n}",
	},
	{
		File: "ld/lib.go",
		Why:  "a plugin's host link names no shared library: the process that loads it has them mapped",
		Old:  "\tif ctxt.linkShared {\n\t\tseenDirs := make(map[string]bool)",
		New:  "\tif ctxt.linkShared && ctxt.BuildMode != BuildModePlugin {\n\t\tseenDirs := make(map[string]bool)",
	},
	{
		File: "ld/lib.go",
		Why:  "the C linker's flag probes are answered from a cache (flagcache.go)",
		Old:  "func linkerFlagSupported(arch *sys.Arch, linker, altLinker, flag string) bool {\n",
		New:  "func linkerFlagSupportedUncached(arch *sys.Arch, linker, altLinker, flag string) bool {\n",
	},
}

// ShlibIndexEnv names the directory where the private linker keeps its
// indexes of shared libraries' dynamic symbols (ldsrc/shlib.go.src).
// Unset, each link builds the index in memory.
const ShlibIndexEnv = "GOHOT_SHLIB_INDEX"

// ShlibIndexBuildEnv names the shared library the private linker indexes
// (into $GOHOT_SHLIB_INDEX) and then exits, when set: Linker.Index.
const ShlibIndexBuildEnv = "GOHOT_SHLIB_INDEX_BUILD"

// FlagCacheEnv names the directory where the private linker keeps the
// answers to its C linker flag probes. Unset, it probes as cmd/link does.
const FlagCacheEnv = "GOHOT_LINKFLAG_CACHE"

// The files added to cmd/link/internal/ld (ldsrc/*.go.src): flagcache
// answers the C linker's flag probes from files in $GOHOT_LINKFLAG_CACHE,
// one per question, named by a digest of everything the answer depends on
// (the probe's arguments and the C linker's file); shlib chooses which of
// a shared library's symbols a plugin's link loads.
//
//go:embed ldsrc/flagcache.go.src
var flagCacheFile string

//go:embed ldsrc/shlib.go.src
var shlibFile string
