package fidelity

import (
	"os"
	"path/filepath"
)

// BuildHotreload builds the hotreload command of the repository at root
// into dir and returns its path.
func BuildHotreload(root, dir string) (string, error) {
	bin := filepath.Join(dir, "hotreload")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	_, err := run(root, os.Environ(), "go", "build", "-o", bin, "./hotreload")
	return bin, err
}

// defaultEnv is the environment programs and builds run in.
func defaultEnv() []string { return os.Environ() }
