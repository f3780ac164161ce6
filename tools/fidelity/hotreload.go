package fidelity

import (
	"os"
	"path/filepath"

	"github.com/gohot/rules_go_hot/internal/hotbin"
)

// BuildHotreload builds the hotreload command of the repository at root
// into dir and returns its path (internal/hotbin: the one way tests and
// tools build it).
func BuildHotreload(root, dir string) (string, error) {
	bin := filepath.Join(dir, "hotreload")
	return bin, hotbin.Build(root, bin)
}

// defaultEnv is the environment programs and builds run in.
func defaultEnv() []string { return os.Environ() }
