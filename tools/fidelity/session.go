package fidelity

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// instance is one running program: under `hotreload run` (hot) or a plain
// build started fresh.
type instance struct {
	cmd    *exec.Cmd
	ports  Ports
	events chan event
	dead   chan struct{} // closed when the process has exited
	mu     sync.Mutex
	output bytes.Buffer // the last of its stdout/stderr, for failure messages
}

// start runs argv in dir with its own process group (so that stopping it
// also stops whatever it started).
func start(dir string, env []string, ports Ports, argv []string, withEvents bool) (*instance, error) {
	in := &instance{ports: ports, events: make(chan event, 1000), dead: make(chan struct{})}
	in.cmd = exec.Command(argv[0], argv[1:]...)
	in.cmd.Dir = dir
	in.cmd.Env = env
	in.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := in.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	in.cmd.Stdout = &tail{in: in}
	if err := in.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			// Events may start mid-line (docs/EVENTS.md).
			if i := strings.Index(line, `{"event":`); withEvents && i >= 0 {
				var e event
				if json.Unmarshal([]byte(line[i:]), &e) == nil {
					in.events <- e
					line = line[:i]
				}
			}
			if line != "" {
				in.write([]byte(line + "\n"))
			}
		}
		in.cmd.Wait()
		close(in.dead)
	}()
	return in, nil
}

type tail struct{ in *instance }

func (t *tail) Write(b []byte) (int, error) { t.in.write(b); return len(b), nil }

func (in *instance) write(b []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.output.Write(b)
	if in.output.Len() > 64<<10 {
		rest := in.output.Bytes()[in.output.Len()-32<<10:]
		in.output.Reset()
		in.output.Write(rest)
	}
}

// Output is the end of what the instance printed (less its events).
func (in *instance) Output() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	s := in.output.String()
	if len(s) > 4000 {
		s = "..." + s[len(s)-4000:]
	}
	return s
}

// stop interrupts the process group, then kills it.
func (in *instance) stop() {
	pgid := in.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGINT)
	select {
	case <-in.dead:
	case <-time.After(10 * time.Second):
	}
	// Whatever is left of the group (a background build, the program).
	syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-in.dead:
	case <-time.After(5 * time.Second):
	}
}

// await returns the next event of one of the kinds, or an error when the
// process exited or the time ran out.
func (in *instance) await(limit time.Duration, kinds ...string) (event, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case e := <-in.events:
			for _, k := range kinds {
				if e.Event == k {
					return e, nil
				}
			}
			if e.Event == evExit {
				return e, errExited
			}
		case <-in.dead:
			// Drain what was said before the end.
			for {
				select {
				case e := <-in.events:
					for _, k := range kinds {
						if e.Event == k {
							return e, nil
						}
					}
				default:
					return event{}, errExited
				}
			}
		case <-timer.C:
			return event{}, errTimeout
		}
	}
}

// more collects the events that follow within quiet of each other (the
// refusals of one save come as one event each).
func (in *instance) more(quiet time.Duration) []event {
	var out []event
	for {
		select {
		case e := <-in.events:
			out = append(out, e)
		case <-time.After(quiet):
			return out
		}
	}
}

// drain discards pending events.
func (in *instance) drain() {
	for {
		select {
		case <-in.events:
		default:
			return
		}
	}
}

var (
	errExited  = fmt.Errorf("the process exited")
	errTimeout = fmt.Errorf("no event in time")
)

// saveFile writes data to file the way an editor saves: in place
// (truncate and write, the same inode) or to a temporary file renamed over
// the original (vim's and many IDEs' atomic save).
func saveFile(file string, data []byte, mode string) error {
	if mode == "rename" {
		tmp := file + ".fidelity~"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, file)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyTree copies a module tree (files and directories; symlinks as the
// files they point to), writable.
func copyTree(src, dst string) error {
	cmd := exec.Command("cp", "-rL", "--no-preserve=mode", src+"/.", dst)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("copy %s: %v: %s", src, err, out.String())
	}
	return nil
}

// run runs a command and returns its combined output in the error.
func run(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

var _ io.Writer = (*tail)(nil)
