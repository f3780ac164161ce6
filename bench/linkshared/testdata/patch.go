// Package main is patch PATCH: new code run against the host's state.
package main

import (
	"encoding/json"
	"strings"

	"example.com/m/lib"
)

// Patch changes the host's lib.Greeting, which must be the host's own.
func Patch() string {
	b, _ := json.Marshal(strings.ToUpper(lib.Greeting))
	lib.Greeting = "patched PATCH"
	return string(b)
}
