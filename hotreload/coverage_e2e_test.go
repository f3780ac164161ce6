package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gohot/rules_go_hot/internal/hotsession"
)

// TestEditCoverage runs the scripts of testdata/coverage, one kind of
// everyday edit each (package main's types, closures, constants, new
// methods, variables...), for real: `hotreload run` on a small module in
// the script, edits saved on disk, requests answered by the patched code.
func TestEditCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	p := scriptParams(t)
	p.Dir = "testdata/coverage"
	testscript.Run(t, hotsession.Script(p))
}
