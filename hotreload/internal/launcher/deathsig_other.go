//go:build !linux

package launcher

import "os/exec"

// dieWithLauncher: only Linux has a parent-death signal.
func dieWithLauncher(*exec.Cmd) {}
