// Package greet builds greetings.
package greet

import "strings"

// counter counts greetings: a value in memory, whose layout a patch
// cannot change.
type counter struct{ n int }

var greeted counter

// Hello greets name.
func Hello(name string) string {
	greeted.n++
	return "hello, " + strings.TrimSpace(name)
}

// banner is computed once, at start-up.
func banner() string { return "fidelity app v1" }

// Banner is the banner of the program, made when it starts.
var Banner = banner()
