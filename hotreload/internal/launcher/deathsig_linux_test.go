package launcher

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play a launcher that starts a program the
// way launch does and then waits to be killed.
func TestMain(m *testing.M) {
	if os.Getenv("GOHOT_TEST_FAKE_LAUNCHER") == "1" {
		cmd := exec.Command("sleep", "60")
		dieWithLauncher(cmd)
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
		cmd.Wait()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A program does not outlive its launcher, even one killed with SIGKILL
// (which it cannot forward).
func TestProgramDiesWithLauncher(t *testing.T) {
	launcher := exec.Command(os.Args[0], "-test.run=^$")
	launcher.Env = append(os.Environ(), "GOHOT_TEST_FAKE_LAUNCHER=1")
	out, err := launcher.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := launcher.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(line[:len(line)-1])
	if err != nil {
		t.Fatalf("fake launcher said %q", line)
	}
	launcher.Process.Kill()
	launcher.Wait()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); err != nil {
			return // gone
		}
		// A zombie of init's is gone too.
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && len(b) > 0 && containsState(string(b), 'Z') {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("the program (pid %d) outlived its killed launcher", pid)
}

func containsState(stat string, state byte) bool {
	// pid (comm) STATE ...
	for i := len(stat) - 1; i > 0; i-- {
		if stat[i] == ')' && i+2 < len(stat) {
			return stat[i+2] == state
		}
	}
	return false
}
