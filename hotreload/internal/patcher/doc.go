// Package patcher builds patches: it compares the main module's sources
// with the base snapshot of a kit, classifies every edit (a body change is
// patchable, a new declaration lives in the patch, a rude edit is refused
// with its reason), translates the changed code into a plugin's package
// main that reaches the package's unexported world through the names the
// base's rewrite generated (as the kit recorded them), and compiles and
// links that plugin against the kit's own archives.
//
// One file per job, in the order a build runs them:
//
//	patcher.go    the API: Builder, Build, Result, refusals and errors
//	load.go       read a changed package (current and base), type-check it
//	diff.go       compare declarations: changed, added, rude
//	consts.go     decide about constants written differently
//	imports.go    new imports: packages the kit adds (Builder.AddPackages)
//	translate.go  rewrite references to the package's world (aliases,
//	              accessors, wrappers, //go:linkname for package main)
//	funcs.go      a changed function → its replacement and slot pair
//	generics.go   the instantiations a generic function's slot needs
//	lang.go       the language version of each generated file
//	generate.go   write the patch's package main and its slot table
//	templates.go  the text/templates of every generated file
//	build.go      compile and link the plugin, write its manifest
package patcher
