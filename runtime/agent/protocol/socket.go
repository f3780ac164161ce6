package protocol

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SocketDir is the directory of the agents' default sockets:
// $XDG_RUNTIME_DIR/gohot, or /tmp/gohot-<uid> without XDG_RUNTIME_DIR.
func SocketDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "gohot")
	}
	return filepath.Join(os.TempDir(), "gohot-"+strconv.Itoa(os.Getuid()))
}

// DefaultSocket is where the agent of process pid listens unless
// GOHOT_SOCKET says otherwise.
func DefaultSocket(pid int) string {
	return filepath.Join(SocketDir(), strconv.Itoa(pid)+".sock")
}

// socketDirs are the directories an agent of this user may have chosen:
// the target process may have been started with or without
// XDG_RUNTIME_DIR, whatever ours says.
func socketDirs() []string {
	dirs := []string{SocketDir()}
	tmp := filepath.Join(os.TempDir(), "gohot-"+strconv.Itoa(os.Getuid()))
	if tmp != dirs[0] {
		dirs = append(dirs, tmp)
	}
	return dirs
}

// FindSocket returns the socket of the agent of process pid in the default
// locations.
func FindSocket(pid int) (string, error) {
	for _, d := range socketDirs() {
		p := filepath.Join(d, strconv.Itoa(pid)+".sock")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("no agent socket for process %d in %s (is it a hot binary? started with %s=off or with its own %s?)",
		pid, strings.Join(socketDirs(), " or "), EnvAgent, EnvSocket)
}

// Socket is a live agent socket.
type Socket struct {
	PID  int
	Path string
}

// ListSockets returns the sockets in the default locations that an agent
// answers on, ordered by pid. Files left by processes that died are
// skipped (see RemoveStale).
func ListSockets() ([]Socket, error) {
	var out []Socket
	for _, d := range socketDirs() {
		for _, s := range socketsIn(d) {
			if live(s.Path) {
				out = append(out, s)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

// RemoveStale removes the socket files <pid>.sock in dir that nobody
// listens on any more. A Go program has no exit hook, so an agent cannot
// remove its socket when the process ends; the next agent does it.
func RemoveStale(dir string) {
	for _, s := range socketsIn(dir) {
		if !live(s.Path) {
			os.Remove(s.Path)
		}
	}
}

func socketsIn(dir string) []Socket {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []Socket
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".sock"))
		if err != nil || !strings.HasSuffix(e.Name(), ".sock") || e.Type()&os.ModeSocket == 0 {
			continue
		}
		out = append(out, Socket{PID: pid, Path: filepath.Join(dir, e.Name())})
	}
	return out
}

// live reports whether someone accepts connections on the socket. Dialing
// is more reliable than testing the pid: pids are reused, and a process in
// another pid namespace may share the directory.
func live(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
