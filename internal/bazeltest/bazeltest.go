// Package bazeltest is what the Bazel integration tests (rules/, gazelle/)
// share: the Bazel setup that scripts/bazel/setup.sh installs, a hotreload
// built from this tree for the hot SDK, and Bazel commands that keep one
// output user root and disk cache.
package bazeltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/internal/hotbin"
)

// Env is the Bazel setup of a test run.
type Env struct {
	Root      string // RULES_GO_HOT_BAZEL_ROOT
	Repo      string // this repository
	Hotreload string // hotreload built from this tree, named by its content
}

var (
	once   sync.Once
	theEnv *Env
	envErr error
)

// Setup returns the setup, building hotreload once per test binary. The
// tests skip under -short, or when RULES_GO_HOT_BAZEL_ROOT is unset —
// unless RULES_GO_HOT_REQUIRE_BAZEL=1, as in CI, where that is a failure.
func Setup(t *testing.T) *Env {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real Bazel builds (minutes when cold)")
	}
	root := os.Getenv("RULES_GO_HOT_BAZEL_ROOT")
	if root == "" {
		if os.Getenv("RULES_GO_HOT_REQUIRE_BAZEL") == "1" {
			t.Fatal("RULES_GO_HOT_REQUIRE_BAZEL=1 but RULES_GO_HOT_BAZEL_ROOT is unset: run scripts/bazel/setup.sh and source its env.sh")
		}
		t.Skip("no Bazel setup (RULES_GO_HOT_BAZEL_ROOT unset): run scripts/bazel/setup.sh and source its env.sh")
	}
	once.Do(func() { theEnv, envErr = newEnv(root) })
	if envErr != nil {
		t.Fatal(envErr)
	}
	return theEnv
}

func newEnv(root string) (*Env, error) {
	_, file, _, _ := runtime.Caller(0)
	e := &Env{Root: root, Repo: filepath.Dir(filepath.Dir(filepath.Dir(file)))}
	var err error
	e.Hotreload, err = hotbin.ForBazel(e.Repo, root)
	return e, err
}

// HotreloadEnv names the prebuilt hotreload the hot SDK's repository rule
// takes (rules/private/sdk.bzl reads it; docs/BAZEL.md).
const HotreloadEnv = "RULES_GO_HOT_HOTRELOAD"

// Command is a Bazel command in workspace ws, with the shared output user
// root (and, through the rc setup.sh generates, the shared disk cache).
func (e *Env) Command(ws string, args ...string) *exec.Cmd {
	cmd := exec.Command("bazel", append([]string{e.UserRootFlag()}, args...)...)
	cmd.Dir = ws
	cmd.Env = e.Environ()
	return cmd
}

// UserRootFlag is the startup flag of every Bazel command of the tests:
// one output user root, hence warm output bases, from run to run.
func (e *Env) UserRootFlag() string {
	return "--output_user_root=" + filepath.Join(e.Root, "output_user_root")
}

// Environ is the environment of Bazel commands: ours, and the hot SDK
// given this tree's hotreload.
func (e *Env) Environ() []string {
	return append(os.Environ(), HotreloadEnv+"="+e.Hotreload)
}

// Run runs a Bazel command, logging how long it took.
func (e *Env) Run(t *testing.T, ws string, args ...string) (string, error) {
	t.Helper()
	cmd := e.Command(ws, args...)
	cmd.WaitDelay = time.Minute
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("bazel %s: %.1f s", strings.Join(args, " "), time.Since(start).Seconds())
	return string(out), err
}

// Must runs a Bazel command and fails the test, with the end of its
// output, if it fails.
func (e *Env) Must(t *testing.T, ws string, args ...string) string {
	t.Helper()
	out, err := e.Run(t, ws, args...)
	if err != nil {
		t.Fatalf("bazel %s: %v\n%s", strings.Join(args, " "), err, Tail(out, 60))
	}
	return out
}

// Tail is the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
