package patcher

import (
	"go/ast"
	"go/version"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// fileVersions sets the patch's -lang and decides each file's language
// version. Every translated file compiles at the version its source file
// has in the program: a //go:build go1.N line is copied (the compiler
// gives the file the same version as the source's, whatever -lang says),
// and a file of no such line is at its package's version, which is -lang:
// the oldest of the patched packages' (a newer one is given with a
// //go:build line of its own: exact from go1.21 on, and below it only
// gates features). The table of slots, being generated, compiles at the
// newest version of the patch's files (it instantiates their generic
// functions). It returns the //go:build version of the table.
func (b *Builder) fileVersions(g *generated, units []*unit) string {
	for _, u := range units {
		if u.lang != "" && (g.lang == "" || version.Compare(u.lang, g.lang) < 0) {
			g.lang = u.lang
		}
	}
	if g.lang == "" {
		// The toolchain's own version ("" for a devel toolchain: no -lang).
		g.lang = kit.LangVersion("", b.Kit.GoVersion, true)
	}
	table := g.lang
	for _, u := range units {
		for _, f := range u.files {
			if l := fileLang(f.GoVersion, orLang(u.lang, g.lang)); l != "" {
				table = maxLang(table, l)
			}
		}
	}
	if table == g.lang {
		return ""
	}
	return table
}

func orLang(l, dflt string) string {
	if l == "" {
		return dflt
	}
	return l
}

// goBuild is the //go:build version of the patch's file translated from
// f of u ("" for none: -lang).
func (g *generated) goBuild(u *unit, f *ast.File) string {
	if f.GoVersion != "" {
		return f.GoVersion
	}
	if l := orLang(u.lang, g.lang); l != g.lang {
		return l
	}
	return ""
}

// orModule names a file's go version in a message: "" is the module's.
func orModule(v string) string {
	if v == "" {
		return "none: the module's go line"
	}
	return v
}

// minFileLang is the oldest language version a //go:build go1.N line gives
// a file: the compiler (types2's initFiles) compiles such a file at
// max(go1.N, go1.21), whatever -lang says.
const minFileLang = "go1.21"

// fileLang is the language version the compiler gives a file that
// declares goVersion (its //go:build line's, "" for none) in a package
// compiled at lang.
func fileLang(goVersion, lang string) string {
	if goVersion == "" {
		return lang
	}
	return maxLang(goVersion, minFileLang)
}

func maxLang(a, b string) string {
	if version.Compare(a, b) >= 0 {
		return a
	}
	return b
}

// goLang turns a go.mod go line ("go1.26.0") into a language version
// ("go1.26"), as the compiler's -lang wants it; "" stays "".
func goLang(v string) string {
	if l := version.Lang(v); l != "" {
		return l
	}
	return v
}
