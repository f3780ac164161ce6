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
The script fails if the code it fixes is not there (another Go version).
"""
import sys

name, src, dst = sys.argv[1:4]
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
for old, new in fixes[name]:
    if s.count(old) != 1:
        sys.exit("%s: the code to fix is not there (another Go version?): %r" % (src, old[:60]))
    s = s.replace(old, new)
open(dst, "w").write(s)
