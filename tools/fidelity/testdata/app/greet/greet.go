// Package greet builds greetings.
package greet

import "strings"

// Hello greets name.
func Hello(name string) string {
	return "hello, " + strings.TrimSpace(name)
}

// banner is computed once, at start-up.
func banner() string { return "fidelity app v1" }

// Banner is the banner of the program, made when it starts.
var Banner = banner()
