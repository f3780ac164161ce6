package launcher

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// launch starts the hot binary and waits for its agent's socket.
func (r *run) launch() error {
	cmd := exec.Command(r.bin, r.opts.Args...)
	// The agent listens on its default socket, where `hotreload status`,
	// `apply` and `revert` find it by pid.
	cmd.Env = os.Environ()
	// The agent's status reports the state directory's size.
	cmd.Env = append(cmd.Env, protocol.EnvStateDir+"="+r.state)
	if r.libDir != "" {
		lp := r.libDir
		if old := os.Getenv("LD_LIBRARY_PATH"); old != "" {
			lp += ":" + old
		}
		cmd.Env = append(cmd.Env, "LD_LIBRARY_PATH="+lp)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.opts.Stdin, r.opts.Stdout, r.opts.Stderr
	if r.ibazel() {
		cmd.Stdin = nil // ibazel's notifications are the launcher's
	}
	dieWithLauncher(cmd)
	// Start and wait on one locked OS thread: the parent-death signal
	// follows the thread that started the program, so that thread lives
	// exactly as long as the program.
	started := make(chan error, 1)
	exited := make(chan int, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- exitCode(cmd.Wait())
		close(done)
	}()
	if err := <-started; err != nil {
		return err
	}
	r.proc = cmd
	r.socket = protocol.DefaultSocket(cmd.Process.Pid)
	r.gen = 0
	r.exited = exited
	r.procDone = done
	if err := r.awaitAgent(); err != nil {
		return err
	}
	r.emit(events.Event{Event: events.Ready, Package: r.kit.MainPackage, PID: cmd.Process.Pid, Socket: r.socket})
	return nil
}

// exitCode is the program's exit code, as a shell reports it: killed by
// a signal, 128+n (not -1).
func exitCode(waitErr error) int {
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		return 0
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

// awaitAgent waits until the program's agent answers on its socket.
func (r *run) awaitAgent() error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := protocol.Dial(r.socket); err == nil {
			c.Close()
			return nil
		}
		select {
		case code := <-r.exited:
			r.exited <- code
			return fmt.Errorf("%s exited (code %d) before its reload agent started", r.kit.MainPackage, code)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the reload agent of %s did not open %s within 10 s", r.kit.MainPackage, r.socket)
		}
	}
}

// stop ends the program, if it still runs.
func (r *run) stop() {
	if r.proc == nil || r.proc.Process == nil || r.procDone == nil {
		return
	}
	select {
	case <-r.procDone:
		return
	default:
	}
	r.proc.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.procDone:
	case <-time.After(5 * time.Second):
		r.proc.Process.Kill()
		<-r.procDone
	}
}

// interrupt forwards a signal to the program and waits for it to exit. A
// program may ignore the signal (one started in the background by a
// non-interactive shell inherits SIGINT ignored): a second signal, or five
// seconds, and it is killed.
func (r *run) interrupt(s os.Signal, more <-chan os.Signal) int {
	r.cancel() // the kit build, if it still runs
	if r.proc == nil || r.proc.Process == nil {
		return 1
	}
	r.proc.Process.Signal(s)
	select {
	case code := <-r.exited:
		return code
	case <-more:
	case <-time.After(5 * time.Second):
	}
	r.proc.Process.Kill()
	return <-r.exited
}
