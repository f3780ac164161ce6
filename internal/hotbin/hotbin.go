// Package hotbin is the one way Go tests and tools get a hotreload command
// built from this repository (scripts/lib/hotreload.sh is the shell's).
//
// A hotreload binary's hash is part of the cache key of every instrumented
// compile, so each new binary means a cold instrumented standard library
// (minutes): pin one across runs with $HOTRELOAD (Env), which Path and the
// scripts honour.
package hotbin

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Env names a prebuilt hotreload to use instead of building one from this
// repository (tests, tools/fidelity, scripts/ and bench/ alike).
const Env = "HOTRELOAD"

// Build builds the hotreload command of the repository at root into out:
// `go build [flags] -o out ./hotreload`.
func Build(root, out string, flags ...string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	args := append(append([]string{"build"}, flags...), "-o", out, "./hotreload")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building hotreload: %v\n%s", err, b)
	}
	return nil
}

// Path returns the absolute path of $HOTRELOAD when it is set, and else
// of a hotreload built from the repository at root into dir.
func Path(root, dir string) (string, error) {
	if pinned := os.Getenv(Env); pinned != "" {
		return filepath.Abs(pinned)
	}
	bin := filepath.Join(dir, "hotreload")
	if err := Build(root, bin); err != nil {
		return "", err
	}
	return filepath.Abs(bin)
}

// ForBazel builds the hotreload the hot SDK's repository rule takes from
// RULES_GO_HOT_HOTRELOAD: built with -trimpath, as that rule builds it for
// users, and named by its content under bazelRoot/hotreload, so that a new
// path means new content (the rule re-runs) and an unchanged tool keeps
// every hot object of Bazel's cache. scripts/lib/hotreload.sh
// (hotreload_for_bazel) names it the same way: tests and demos share it.
func ForBazel(root, bazelRoot string) (string, error) {
	dir := filepath.Join(bazelRoot, "hotreload")
	tmp := filepath.Join(dir, fmt.Sprintf("build-%d", os.Getpid()))
	if err := Build(root, tmp, "-trimpath"); err != nil {
		return "", err
	}
	b, err := os.ReadFile(tmp)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	named := filepath.Join(dir, "hotreload-"+hex.EncodeToString(sum[:6]))
	return named, os.Rename(tmp, named)
}
