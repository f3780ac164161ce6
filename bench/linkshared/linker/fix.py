"""Writes a fixed copy of one of cmd/link's files (ld.go, symtab.go).

Two fixes make -buildmode=plugin -linkshared work (go1.26.8):
  ld.go: PrepareAddmoduledata appends runtime.addmoduledata to a plugin's
    own text; with -linkshared it lives in libstd.so, so the plugin's
    module-data constructor called an address inside itself (int3
    padding: SIGTRAP in dlopen).
  symtab.go: a plugin's pkghashes list every package it links, those of
    shared libraries included, whose hashes it does not know: plugin.Open
    refused it ("different version of package runtime"). A shared
    library's packages are checked by its ABI hash already.
Three more, in lib.go, make such a link faster (measured, see
docs/PATCH-LINKING.md; "lazy" in run.sh):
  - a plugin creates loader symbols only for the shared library's symbols
    something it links refers to (and type:, runtime., go: ones, which the
    linker looks up by name later), not for all ~130,000 of libstd.so;
  - a shared library's type data is read a section at a time, not with one
    pread per type symbol;
  - a plugin's host link does not name its shared libraries (-L, -l): the
    process that loads it has them mapped, dlopen resolves its undefined
    symbols, and the system linker no longer reads a 30-57 MB library.
The script fails if the code it fixes is not there (another Go version).
"""
import sys

name, src, dst = sys.argv[1:4]
if name == "lib.go-lazy":
    name = "lib.go"
s = open(src).read()
fixes = {
    "ld.go": [(
        "\tif ctxt.BuildMode == BuildModePlugin {\n\t\tctxt.Textp = append(ctxt.Textp, amd)\n\t}",
        "\tif ctxt.BuildMode == BuildModePlugin && !ctxt.linkShared {\n\t\tctxt.Textp = append(ctxt.Textp, amd)\n\t}",
    )],
    "symtab.go": [
        (
            "\t\tfor i, l := range ctxt.Library {\n\t\t\t// pkghashes[i].name",
            "\t\tvar libs []*sym.Library\n\t\tfor _, l := range ctxt.Library {\n\t\t\tif l.Shlib == \"\" {\n\t\t\t\tlibs = append(libs, l)\n\t\t\t}\n\t\t}\n\t\tfor i, l := range libs {\n\t\t\t// pkghashes[i].name",
        ),
        (
            "\t\tslice(pkghashes.Sym(), uint64(len(ctxt.Library)))",
            "\t\tslice(pkghashes.Sym(), uint64(len(libs)))",
        ),
    ],
}
fixes["lib.go"] = [
    (
        "\t\tl := ctxt.loader\n\t\ts := l.LookupOrCreateSym(symname, ver)\n",
        "\t\tl := ctxt.loader\n\t\tsymAddr[elfsym.Name] = elfsym.Value\n"
        "\t\tif ctxt.BuildMode == BuildModePlugin && !strings.HasPrefix(symname, \"type:\") && !strings.HasPrefix(symname, \"runtime.\") && !strings.HasPrefix(symname, \"go:\") && l.Lookup(symname, ver) == 0 {\n"
        "\t\t\tcontinue // nothing the plugin links refers to it\n\t\t}\n"
        "\t\ts := l.LookupOrCreateSym(symname, ver)\n",
    ),
    (
        "\t\t\tl.SetSymExtname(s, elfsym.Name)\n\t\t}\n\t\tsymAddr[elfsym.Name] = elfsym.Value\n",
        "\t\t\tl.SetSymExtname(s, elfsym.Name)\n\t\t}\n",
    ),
    (
        "\tdata := make([]byte, sym.Size)\n\tsect := f.Sections[sym.Section]\n",
        "\tsect := f.Sections[sym.Section]\n",
    ),
    (
        "\tn, err := sect.ReadAt(data, int64(sym.Value-sect.Addr))\n\tif uint64(n) != sym.Size {\n\t\tErrorf(\"reading contents of %s: %v\", sym.Name, err)\n\t}\n\treturn data\n}",
        "\tall, ok := shlibSectData[sect]\n\tif !ok {\n\t\tvar err error\n\t\tif all, err = sect.Data(); err != nil {\n\t\t\tErrorf(\"reading %s: %v\", sect.Name, err)\n\t\t}\n\t\tshlibSectData[sect] = all\n\t}\n"
        "\toff := sym.Value - sect.Addr\n\tif off+sym.Size > uint64(len(all)) {\n\t\tErrorf(\"reading contents of %s: out of its section\", sym.Name)\n\t\treturn make([]byte, sym.Size)\n\t}\n\treturn append([]byte(nil), all[off:off+sym.Size]...)\n}\n\nvar shlibSectData = map[*elf.Section][]byte{}",
    ),
    (
        "\tif ctxt.linkShared {\n\t\tseenDirs := make(map[string]bool)",
        "\tif ctxt.linkShared && ctxt.BuildMode != BuildModePlugin {\n\t\tseenDirs := make(map[string]bool)",
    ),
]
for old, new in fixes[name]:
    if s.count(old) != 1:
        sys.exit("%s: the code to fix is not there (another Go version?): %r" % (src, old[:60]))
    s = s.replace(old, new)
open(dst, "w").write(s)
