package main

import (
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// group is a started process in its own process group.
type group struct {
	pgid int
	cmd  *exec.Cmd
}

var (
	groupsMu sync.Mutex
	groups   = map[int]*group{}
)

func startGroup(cmd *exec.Cmd) *group {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	check(cmd.Start())
	g := &group{pgid: cmd.Process.Pid, cmd: cmd}
	groupsMu.Lock()
	groups[g.pgid] = g
	groupsMu.Unlock()
	return g
}

// done forgets a group whose leader exited (its children may live on: kill them).
func (g *group) done() {
	syscall.Kill(-g.pgid, syscall.SIGKILL)
	groupsMu.Lock()
	delete(groups, g.pgid)
	groupsMu.Unlock()
}

func (g *group) kill() {
	syscall.Kill(-g.pgid, syscall.SIGKILL)
	groupsMu.Lock()
	delete(groups, g.pgid)
	groupsMu.Unlock()
}

// stop signals the group's leader, waits up to timeout for it, then kills
// the whole group. For commands whose Wait nobody else calls.
func (g *group) stop(sig os.Signal, timeout time.Duration) {
	groupsMu.Lock()
	_, live := groups[g.pgid]
	groupsMu.Unlock()
	if !live {
		return
	}
	g.cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
	g.kill()
}

func killAll() {
	groupsMu.Lock()
	defer groupsMu.Unlock()
	for pgid := range groups {
		syscall.Kill(-pgid, syscall.SIGKILL)
		delete(groups, pgid)
	}
}
