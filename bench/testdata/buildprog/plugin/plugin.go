// Package main is a trivial plugin: building it after the host is what
// compiles the standard library with -dynlink (plugins need it), the first
// time a patch is built.
package main

import "strings"

// Greet is looked up with plugin.Lookup.
func Greet(name string) string { return "hello, " + strings.ToUpper(name) }

func main() {}
