package launcher

import (
	"os/exec"
	"syscall"
)

// dieWithLauncher has the kernel send the program SIGTERM when the
// launcher dies, however it dies (SIGKILL included): a hot program does not
// outlive the `hotreload run` / `bazel run` that started it (nor keep its
// output pipes open). The program is started from a locked OS thread that
// never exits (Pdeathsig follows the thread, not the process).
func dieWithLauncher(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
}
