package gocmd

import (
	"slices"
	"testing"
)

func TestWithLdflag(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{[]string{"-o", "app", "."}, []string{"-ldflags=-linkmode=external", "-o", "app", "."}},
		{[]string{"-ldflags=-s -w", "."}, []string{"-ldflags=-s -w -linkmode=external", "."}},
		{[]string{"-ldflags", "-X main.v=1", "."}, []string{"-ldflags", "-X main.v=1 -linkmode=external", "."}},
		// Flags after the packages belong to the program, not to go.
		{[]string{".", "-ldflags=x"}, []string{"-ldflags=-linkmode=external", ".", "-ldflags=x"}},
		// Every -ldflags gets it: the go command applies the last one.
		{[]string{"-ldflags=-s", "--ldflags=-w", "."}, []string{"-ldflags=-s -linkmode=external", "--ldflags=-w -linkmode=external", "."}},
		// A flag's value that looks like -ldflags is a value.
		{[]string{"-tags", "-ldflags", "."}, []string{"-ldflags=-linkmode=external", "-tags", "-ldflags", "."}},
		{[]string{"-ldflags", "-s", "-o", "x", "."}, []string{"-ldflags", "-s -linkmode=external", "-o", "x", "."}},
	} {
		if got := WithLdflag(tc.in, "-linkmode=external"); !slices.Equal(got, tc.want) {
			t.Errorf("WithLdflag(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCommand(t *testing.T) {
	cmd := Command("/bin/hotreload", "test", []string{"./..."}, false)
	if want := []string{"go", "test", "-toolexec=/bin/hotreload", "./..."}; !slices.Equal(cmd.Args, want) {
		t.Errorf("args %q, want %q", cmd.Args, want)
	}
	if !slices.Contains(cmd.Env, "CGO_ENABLED=1") {
		t.Error("CGO_ENABLED=1 not set")
	}
	// Subcommands without build flags get no -toolexec.
	if cmd := Command("/bin/hotreload", "env", []string{"GOROOT"}, false); !slices.Equal(cmd.Args, []string{"go", "env", "GOROOT"}) {
		t.Errorf("args %q", cmd.Args)
	}
	if got := ToolexecFlag("/my dir/hotreload"); got != `-toolexec="/my dir/hotreload"` {
		t.Errorf("ToolexecFlag = %s", got)
	}
}
