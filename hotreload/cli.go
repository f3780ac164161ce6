package main

import (
	"fmt"
	"os"
	"os/exec"
)

func runCLI(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: hotreload go <go command args>")
		return 2
	}
	switch args[0] {
	case "go":
		self, _ := os.Executable()
		ga := append([]string{args[1], "-toolexec=" + self}, args[2:]...)
		cmd := exec.Command("go", ga...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			}
			return 1
		}
		return 0
	}
	return 2
}
