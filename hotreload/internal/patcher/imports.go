package patcher

import (
	"fmt"
	"go/ast"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// addImports makes the packages a unit newly imports, and the program does
// not contain, part of the kit (Builder.AddPackages), so that the patch can
// import them: the patch links them in, with their init. It returns a
// refusal per import that cannot be built (a module missing from go.mod,
// a package that does not exist).
func (b *Builder) addImports(u *unit) []Refusal {
	if b.AddPackages == nil {
		return nil
	}
	specs := map[string][]*ast.ImportSpec{}
	for _, f := range u.files {
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil || path == "C" || path == "unsafe" {
				continue
			}
			if _, ok := b.Kit.Packages[path]; !ok {
				specs[path] = append(specs[path], imp)
			}
		}
	}
	if len(specs) == 0 {
		return nil
	}
	paths := make([]string, 0, len(specs))
	for path := range specs {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	err := b.AddPackages(paths)
	if err == nil {
		return nil
	}
	var rs []Refusal
	for _, path := range paths {
		for _, imp := range specs[path] {
			rs = append(rs, b.refusal(u.fset.Position(imp.Pos()), "import "+strconv.Quote(path), importReason(path, err)))
		}
	}
	return rs
}

// noModule is how the go command says that no module of go.mod provides a
// package.
var noModule = regexp.MustCompile(`no required module provides package ([^\s;:]+)`)

// importReason says why a new import cannot be built for a patch, and
// what to do.
func importReason(path string, err error) string {
	for _, m := range noModule.FindAllStringSubmatch(err.Error(), -1) {
		if m[1] == path {
			return fmt.Sprintf("package %s is in no module the program requires: run `go get %s` (hotreload never changes go.mod), then restart to apply", path, path)
		}
	}
	msg := strings.TrimSpace(err.Error())
	if _, said, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "go ") {
		msg = said // the go command's own words, without its command line
	}
	return fmt.Sprintf("the program does not contain package %s, and the go command cannot build it: %s", path, msg)
}
