package patcher

import (
	"errors"
	"strings"
	"testing"
)

// The reason of a refused new import says what to do, in the go command's
// words where it has them, without the go command's long command line.
func TestImportReason(t *testing.T) {
	for _, c := range []struct {
		path, err string
		want      []string
		not       []string
	}{
		{
			path: "example.com/quote",
			err:  "go list -deps -json -export -toolexec=/x/hotreload example.com/app example.com/quote: lib/lib.go:4:2: no required module provides package example.com/quote; to add it:\n\tgo get example.com/quote",
			want: []string{"package example.com/quote is in no module the program requires", "run `go get example.com/quote`", "never changes go.mod"},
		},
		{
			path: "hash/nothere",
			err:  "go list -deps -json -export -toolexec=/x/hotreload example.com/app hash/nothere: package hash/nothere is not in std (/usr/local/go/src/hash/nothere)",
			want: []string{"does not contain package hash/nothere", "cannot build it: package hash/nothere is not in std"},
			not:  []string{"-toolexec", "restart"},
		},
	} {
		got := importReason(c.path, errors.New(c.err))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.path, got, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q has %q", c.path, got, n)
			}
		}
	}
}
