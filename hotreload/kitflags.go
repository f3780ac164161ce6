package main

import (
	"flag"
	"io"
)

// bazelKitFlags are the flags `hotreload kit` and `hotreload patch` share:
// the go_hot_binary build they read and what they write.
type bazelKitFlags struct {
	*flag.FlagSet
	desc *string // the build's kit description (kit.exec.json)
	root *string // the directory its paths are relative to
	out  *string
}

func newBazelKitFlags(verb string, stderr io.Writer, descUsage, outUsage string) bazelKitFlags {
	fs := newFlagSet(verb, stderr)
	return bazelKitFlags{
		FlagSet: fs,
		desc:    fs.String("bazel-kit", "", descUsage),
		root:    fs.String("bazel-root", ".", "the directory its paths are relative to (Bazel's execution root)"),
		out:     fs.String("o", "", outUsage),
	}
}
