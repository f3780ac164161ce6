package agent

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// syncBuffer is an io.Writer safe for the agent's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startTestAgent(t *testing.T) (*Agent, string, *syncBuffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.sock")
	events := &syncBuffer{}
	a, err := Start(Options{Socket: path, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, path, events
}

// exchange sends line (if any) on c and returns the answer line, or the
// read error.
func exchange(t *testing.T, c net.Conn, r *bufio.Reader, line string) (string, error) {
	t.Helper()
	if line != "" {
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			return "", err
		}
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	return r.ReadString('\n')
}

func dial(t *testing.T, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// TestSocketLimits: a client can make the agent hold neither unbounded
// memory (request size) nor connections (idle deadline, connection
// limit).
func TestSocketLimits(t *testing.T) {
	t.Setenv(protocol.EnvIdleTimeout, "2s")
	a, path, _ := startTestAgent(t)

	c, r := dial(t, path)
	line, err := exchange(t, c, r, `{"op":"status","plugin":"`+strings.Repeat("x", maxRequest)+`"}`)
	if err != nil || !strings.Contains(line, `"code":"bad-request"`) || !strings.Contains(line, "longer than 65536 bytes") {
		t.Fatalf("oversized request: %q %v", line, err)
	}
	if line, err := exchange(t, c, r, ""); err == nil {
		t.Fatalf("connection still open after an oversized request: %q", line)
	}

	// A silent connection is closed after the idle timeout.
	c, r = dial(t, path)
	start := time.Now()
	if line, err := exchange(t, c, r, ""); err == nil || time.Since(start) > 8*time.Second {
		t.Fatalf("silent connection: %q %v after %v", line, err, time.Since(start))
	}

	// The client sees EOF a moment before the agent's handler gives
	// back its slot: wait for the two closed connections to be let go.
	for start := time.Now(); len(a.conns) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%d connection slots still held after their connections closed", len(a.conns))
		}
	}

	// maxConns connections in use: the next is told the agent is busy;
	// once they are gone, connections are served again.
	var conns []net.Conn
	for i := 0; i < maxConns; i++ {
		c, r := dial(t, path)
		if line, err := exchange(t, c, r, `{"op":"status"}`); err != nil || !strings.Contains(line, `"ok":true`) {
			t.Fatalf("connection %d: %q %v", i, line, err)
		}
		conns = append(conns, c)
	}
	c, r = dial(t, path)
	if line, err := exchange(t, c, r, ""); err != nil || !strings.Contains(line, `"code":"busy"`) {
		t.Fatalf("connection %d: %q %v, want busy", maxConns+1, line, err)
	}
	for _, c := range conns {
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, r = dial(t, path)
		line, err := exchange(t, c, r, `{"op":"status"}`)
		if err == nil && strings.Contains(line, `"ok":true`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not served again after the connections closed: %q %v", line, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPeerCredentials: another user is refused by the agent itself, even
// where the socket's mode would let them connect.
func TestPeerCredentials(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to connect as another user")
	}
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no /usr/bin/python3 to connect with")
	}
	_, path, _ := startTestAgent(t)
	// Open the way as far as file modes go.
	for d := filepath.Dir(path); d != "/"; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode()&os.ModeSticky == 0 {
			os.Chmod(d, fi.Mode().Perm()|0o011)
		}
	}
	os.Chmod(path, 0o666)
	client := `import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
# The agent answers another user at once, before any request.
print(s.makefile().readline(), end="")
`
	cmd := exec.Command(python, "-c", client, path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"code":"forbidden"`) || !strings.Contains(string(out), "uid 65534 may not control process") {
		t.Fatalf("uid 65534: %s %v", out, err)
	}
	// This user still may.
	c, r := dial(t, path)
	if line, err := exchange(t, c, r, `{"op":"status"}`); err != nil || !strings.Contains(line, `"ok":true`) {
		t.Fatalf("own uid: %q %v", line, err)
	}
}

// TestSocketRemoved: a socket removed from under the agent is made again,
// and said so.
func TestSocketRemoved(t *testing.T) {
	_, path, events := startTestAgent(t)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the socket was not made again")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cl, err := protocol.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if st, err := cl.Status(); err != nil || st.PID != os.Getpid() {
		t.Fatalf("status on the new socket: %+v %v", st, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("new socket's mode %v", fi.Mode())
	}
	if want := "hotreload: agent: the agent's socket " + path + " was removed; listening on it again\n"; events.String() != want {
		t.Errorf("events %q, want %q", events.String(), want)
	}
}
