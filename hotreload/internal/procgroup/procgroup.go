// Package procgroup runs commands whose whole process tree ends with them:
// a command started here leads a process group of its own, and when its
// context is done the group is killed — the command and everything it
// started (the go command's compiler, cgo, linker and compile-wrapper
// processes). The go command does not pass a kill on to its children, so
// killing only the command would leave them running for minutes.
package procgroup

import (
	"context"
	"os/exec"
	"time"
)

// Command is exec.CommandContext(ctx, name, args...) whose process tree is
// killed when ctx is done.
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	setGroup(cmd)
	// Output pipes a killed grandchild held open must not keep Wait.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}
