package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// memory is a process's resident set, from /proc/PID/status.
type memory struct{ RSS, Anon, File int64 } // kB

func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	return parseStatus(string(b)), nil
}

func parseStatus(s string) memory {
	var m memory
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = v
		case "RssAnon:":
			m.Anon = v
		case "RssFile:":
			m.File = v
		}
	}
	return m
}

// du is the disk usage of a tree as du(1) counts it: allocated blocks,
// each inode once.
func du(dir string) int64 {
	var n int64
	seen := map[uint64]bool{}
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
			n += st.Blocks * 512
		} else {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// heldMapping is a mapped file that no directory the soak measures holds:
// deleted, or one of the agent's private plugin copies.
type heldMapping struct {
	addr string // start-end, the name of its /proc/PID/map_files entry
	file string // device:inode
	path string
}

// loadDirPrefix starts the name of the agent's private load directories
// (runtime/agent/protocol.LoadDirPrefix), which live outside the state dir
// (in the temporary directory or the user's cache).
const loadDirPrefix = ".gohot-load-"

// parseHeldMaps lists, one per file, the mappings in /proc/PID/maps of
// deleted files and of the agent's private copies (deleted or not).
func parseHeldMaps(maps string) []heldMapping {
	var out []heldMapping
	seen := map[string]bool{}
	for _, line := range strings.Split(maps, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[4] == "0" {
			continue
		}
		path, deleted := strings.Join(f[5:], " "), false
		if p, ok := strings.CutSuffix(path, " (deleted)"); ok {
			path, deleted = p, true
		}
		if !deleted && !strings.Contains(path, "/"+loadDirPrefix) {
			continue
		}
		key := f[3] + ":" + f[4]
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, heldMapping{addr: f[0], file: key, path: path})
	}
	return out
}

// heldDeleted is the disk space a process holds through files it maps
// that du of the state dir does not see: the agent's private copy of each
// plugin (unlinked once mapped at some versions of the agent, kept in its
// load directory at others: either way allocated until the process exits)
// and any other deleted file. Sizes come from /proc/PID/map_files (root or
// the same user).
func heldDeleted(pid int) (bytes int64, files int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return -1, 0
	}
	for _, m := range parseHeldMaps(string(b)) {
		fi, err := os.Stat(fmt.Sprintf("/proc/%d/map_files/%s", pid, m.addr))
		if err != nil {
			continue
		}
		files++
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			bytes += st.Blocks * 512
		} else {
			bytes += fi.Size()
		}
	}
	return bytes, files
}

// soFiles lists the .so files under dir with their sizes.
func soFiles(dir string) map[string]int64 {
	out := map[string]int64{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".so") {
			if fi, err := d.Info(); err == nil {
				out[path] = fi.Size()
			}
		}
		return nil
	})
	return out
}

// freeDisk is the space left to unprivileged users on dir's file system.
func freeDisk(dir string) int64 {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return -1
	}
	return int64(st.Bavail) * st.Bsize
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

// group is a started command in its own process group, so that stopping
// it stops what it started (hotreload run's program).
type group struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startGroup(cmd *exec.Cmd) (*group, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &group{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(g.done) }()
	return g, nil
}

// stop signals the group's leader (SIGTERM: a program started with SIGINT
// ignored keeps ignoring it), waits up to timeout, then kills the group.
func (g *group) stop(timeout time.Duration) {
	pgid := g.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(timeout):
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-g.done
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

func load1() float64 {
	f := strings.Fields(loadavg())
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// machine fills in what the run ran on.
func machine(m *Meta) {
	m.NumCPU, m.LoadStart = runtime.NumCPU(), loadavg()
	m.Host, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				m.CPU = strings.TrimSpace(l[strings.Index(l, ":")+1:])
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 3 {
			m.MemTotal = f[1] + " " + f[2]
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("gcc", "--version").Output(); err == nil {
		m.CC = strings.SplitN(string(out), "\n", 2)[0]
	}
	if f, err := os.Open(m.Hotreload); err == nil {
		h := sha256.New()
		io.Copy(h, f)
		f.Close()
		m.HotreloadSHA = hex.EncodeToString(h.Sum(nil))[:16]
	}
}

// parseSize reads a byte count: 1234, 500M, 12G, 1.5T (powers of 1024); 0
// or "" is no limit.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	if s == "" {
		return 0, nil
	}
	mult := 1.0
	switch s[len(s)-1] {
	case 'K':
		mult = 1 << 10
	case 'M':
		mult = 1 << 20
	case 'G':
		mult = 1 << 30
	case 'T':
		mult = 1 << 40
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. 500M, 12G)", s)
	}
	return int64(v * mult), nil
}
