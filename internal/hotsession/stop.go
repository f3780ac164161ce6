package hotsession

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// setGroup makes cmd the leader of a process group of its own, which
// Stop signals as a whole.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A process outside the group (a daemon it started) may hold the
	// output open after the command ended: Wait gives up on it then.
	cmd.WaitDelay = StopGrace
}

// Stop ends the session: an interrupt to its process group (the launcher
// passes it to the program and exits with it), then, if the group has
// not ended within StopGrace, SIGKILL. It returns an error saying what
// was still running when an interrupt was not enough. Stop is idempotent.
func (s *Session) Stop() error {
	if s.stopped {
		return s.stopErr
	}
	s.stopped = true
	defer s.out.quiet() // no logging to a test that may have ended
	if s.ended() != "" {
		return nil
	}
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGINT)
	select {
	case <-s.exited:
		return nil
	case <-time.After(StopGrace):
	}
	left := groupProcesses(pgid)
	syscall.Kill(-pgid, syscall.SIGKILL)
	s.stopErr = fmt.Errorf("still running %v after an interrupt:\n%s", StopGrace, left)
	select {
	case <-s.exited:
		if errors.Is(s.err, exec.ErrWaitDelay) {
			s.stopErr = fmt.Errorf("%v\nits output stayed open after it ended", s.stopErr)
		}
	case <-time.After(StopGrace):
		s.stopErr = fmt.Errorf("%v\nits output is still open %v after SIGKILL", s.stopErr, StopGrace)
	}
	return s.stopErr
}

// groupProcesses lists the processes of group pgid, for a failure
// message.
func groupProcesses(pgid int) string {
	out, err := exec.Command("ps", "-eo", "pgid=,pid=,ppid=,stat=,args=").Output()
	if err != nil {
		return fmt.Sprintf("(ps: %v)", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == fmt.Sprint(pgid) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "(no process left in its group: something outside it holds its output open)"
	}
	return strings.Join(lines, "\n")
}
