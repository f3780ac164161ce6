package main

import (
	"runtime"
	"testing"
)

// setupGoVersion is set by BUILD.bazel (x_defs) to the Go version scripts/bazel/setup.sh saw.
var setupGoVersion string

func TestGreeting(t *testing.T) {
	if got, want := Greeting("bazel"), "hello, bazel"; got != want {
		t.Fatalf("Greeting() = %q, want %q", got, want)
	}
}

func TestGoSDK(t *testing.T) {
	if setupGoVersion == "" {
		t.Fatal("setupGoVersion not set by x_defs")
	}
	if runtime.Version() != setupGoVersion {
		t.Fatalf("compiled with %s, setup.sh saw %s", runtime.Version(), setupGoVersion)
	}
}
