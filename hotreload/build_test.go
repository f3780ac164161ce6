package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

func TestOutputFlag(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"-o", "app", "."}, "app"},
		{[]string{"-o=bin/app", "."}, "bin/app"},
		{[]string{"--o", "x", "-o", "y", "."}, "y"},
		{[]string{"-tags", "-o", "."}, ""},
		{[]string{".", "-o", "x"}, ""},
		{[]string{"-race", "-overlay", "ov.json", "-o", "h", "."}, "h"},
	} {
		if got := outputFlag(tc.in); got != tc.want {
			t.Errorf("outputFlag(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestStarlarkTrustedKey: go_hot_binary's trusted_key sets the variable
// --trusted-key sets, and checks the same key form.
func TestStarlarkTrustedKey(t *testing.T) {
	b, err := os.ReadFile("../rules/private/binary.bzl")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("AGENT_TRUSTED_KEY_VAR = %q\n", trustedKeyVar),
		fmt.Sprintf("_PUBLIC_KEY_WORD = %q\n", protocol.PublicKeyPrefix),
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rules/private/binary.bzl does not say %s", want)
		}
	}
}
