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

// Limits of the socket protocol: an agent is a code-loading endpoint, so a
// client may neither make it hold memory nor hold it open forever.
const (
	// maxRequest bounds one request line (an apply names one path).
	maxRequest = 64 << 10
	// maxConns bounds the connections served at once; more are told the
	// agent is busy and closed.
	maxConns = 16
	// writeTimeout bounds writing one answer to a client that does not read.
	writeTimeout = 10 * time.Second
)

// idleTimeout is how long a connection may wait between requests
// (GOHOT_IDLE_TIMEOUT overrides it, for tests).
func idleTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(protocol.EnvIdleTimeout)); err == nil && d > 0 {
		return d
	}
	return protocol.DefaultIdleTimeout
}

func (a *Agent) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
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
		select {
		case a.conns <- struct{}{}:
			go func() {
				defer func() { <-a.conns }()
				a.handle(c)
			}()
		default:
			go a.refuse(c, protocol.CodeBusy, "the agent is already serving %d connections; try again", maxConns)
		}
	}
}

// refuse answers a connection with one refusal and closes it.
func (a *Agent) refuse(c net.Conn, code, format string, args ...any) {
	defer c.Close()
	r := a.refusal(code, format, args...)
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	json.NewEncoder(c).Encode(r)
}

// handle answers newline-delimited JSON requests on one connection, from
// this process's own user or root only (the peer's credentials, as the
// kernel gives them). The agent's lock serializes the requests of all
// connections.
func (a *Agent) handle(c net.Conn) {
	defer c.Close()
	if uid, err := peerUID(c); err != nil {
		a.refuse(c, protocol.CodeForbidden, "cannot tell who connected (%v): refused", err)
		return
	} else if !trustedOwner(uid) {
		a.refuse(c, protocol.CodeForbidden, "uid %d may not control process %d: only its own user (uid %d) and root may", uid, os.Getpid(), os.Getuid())
		return
	}
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 4096), maxRequest)
	enc := json.NewEncoder(c)
	idle := idleTimeout()
	for {
		c.SetReadDeadline(time.Now().Add(idle))
		if !sc.Scan() {
			if errors.Is(sc.Err(), bufio.ErrTooLong) {
				a.refuse(c, protocol.CodeBadRequest, "request longer than %d bytes: send one JSON object per line", maxRequest)
			}
			return // closed by the client, idle too long, or broken
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		c.SetReadDeadline(time.Time{}) // an apply may take long: no deadline while working
		var req protocol.Request
		var resp protocol.Response
		if err := json.Unmarshal(line, &req); err != nil {
			resp = a.badRequest("unreadable request %q: %v; send one JSON object per line", line, err)
		} else {
			resp = a.Do(req)
		}
		c.SetWriteDeadline(time.Now().Add(writeTimeout))
		if enc.Encode(resp) != nil {
			return
		}
	}
}

// watchSocket puts the socket back when it was removed from under the
// agent (a cleanup script, rm -rf of the runtime directory): without it the
// process would run on, unreachable, until restarted.
func (a *Agent) watchSocket(ln net.Listener) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.done:
			return
		case <-t.C:
		}
		if _, err := os.Lstat(a.socket); err == nil || !errors.Is(err, os.ErrNotExist) {
			continue // still there (or replaced by another: not ours to remove)
		}
		nl, err := listen(a.socket, a.defaultSocket)
		if err != nil {
			a.notice("the agent's socket %s was removed and cannot be made again: %v; this process can no longer be patched", a.socket, err)
			return
		}
		// The old listener's file is gone: closing it must not unlink
		// the new one.
		if ul, ok := ln.(*net.UnixListener); ok {
			ul.SetUnlinkOnClose(false)
		}
		ln.Close()
		a.lnMu.Lock()
		a.ln = nl
		a.lnMu.Unlock()
		ln = nl
		go a.serve(nl)
		a.notice("the agent's socket %s was removed; listening on it again", a.socket)
	}
}
