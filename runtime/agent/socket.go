package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// listen opens the agent's socket at path. Whoever can connect can make
// this process run arbitrary code, so the socket is 0600 (connecting needs
// write permission on it) and lives in a directory that is ours and that
// nobody else can write to (where they could swap the socket for their
// own). The default directory is also closed to reading and listing
// (0700); a directory named through GOHOT_SOCKET may be readable (e.g. a
// test's temp dir, 0755).
func listen(path string, strict bool) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := privateDir(dir, strict); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket; remove it or set %s", path, protocol.EnvSocket)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("socket %s is in use by another running agent; set %s to choose another path", path, protocol.EnvSocket)
		}
		os.Remove(path) // left by a process that died
	}
	// Between bind and chmod the socket has the umask's mode (0755 for
	// the usual 022: others cannot connect).
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	if strict {
		go protocol.RemoveStale(dir)
	}
	return ln, nil
}

// privateDir creates dir (0700) if needed and checks that it is a real
// directory, owned by us, that others cannot write to (strict: cannot
// enter at all).
func privateDir(dir string, strict bool) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("socket directory: %v", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket directory: %v", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory (a symlink?); remove it or set %s", dir, protocol.EnvSocket)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("socket directory %s is owned by uid %d, not by this process's uid %d; set %s to a directory of your own", dir, st.Uid, os.Getuid(), protocol.EnvSocket)
	}
	mask, want := os.FileMode(0o022), "not writable by group or others"
	if strict {
		mask, want = 0o077, "closed to group and others (0700)"
	}
	if perm := fi.Mode().Perm(); perm&mask != 0 {
		return fmt.Errorf("socket directory %s has mode %v, but must be %s: whoever can connect can run code in this process; chmod it or set %s", dir, perm, want, protocol.EnvSocket)
	}
	return nil
}

func (a *Agent) serve() {
	for {
		c, err := a.ln.Accept()
		if err != nil {
			select {
			case <-a.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(100 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		go a.handle(c)
	}
}

// handle answers newline-delimited JSON requests on one connection. The
// agent's lock serializes the requests of all connections.
func (a *Agent) handle(c net.Conn) {
	defer c.Close()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	enc := json.NewEncoder(c)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var req protocol.Request
		var resp protocol.Response
		if err := json.Unmarshal(line, &req); err != nil {
			resp = a.badRequest("unreadable request %q: %v; send one JSON object per line", line, err)
		} else {
			resp = a.Do(req)
		}
		if enc.Encode(resp) != nil {
			return
		}
	}
}
