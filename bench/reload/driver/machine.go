package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// readRSS reads a process's memory: its resident set (/proc/PID/status) and
// the pages of its patch .so mappings (/proc/PID/smaps).
func readRSS(pid int) RSS {
	var r RSS
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			r.VmRSSKB = v
		case "RssAnon:":
			r.RssAnonKB = v
		case "RssFile:":
			r.RssFileKB = v
		}
	}
	sm, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	check(err)
	inPatch := false
	for _, line := range strings.Split(string(sm), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if strings.Contains(f[0], "-") && len(f) >= 5 { // a mapping header
			inPatch = len(f) >= 6 && strings.HasSuffix(f[len(f)-1], ".so") && strings.Contains(f[len(f)-1], "/patches/")
			if inPatch {
				r.Mappings++
			}
			continue
		}
		if !inPatch || len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Rss:":
			r.PatchRssKB += v
		case "Size:":
			r.PatchSizeKB += v
		case "Private_Dirty:":
			r.PatchDirty += v
		}
	}
	return r
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

func duBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func meta() Meta {
	m := Meta{Started: time.Now().Format(time.RFC3339), NumCPU: runtime.NumCPU(), LoadStart: loadavg(),
		GoVersion: runtime.Version(), Hotreload: *hotreload, Flags: os.Args[1:], PollInterval: ms(*pollEvery)}
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
		m.MemTotal = strings.Join(strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:], " ")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("gcc", "--version").Output(); err == nil {
		m.CCVersion = strings.SplitN(string(out), "\n", 2)[0]
	}
	if out, err := exec.Command("ld", "--version").Output(); err == nil {
		m.LDVersion = strings.SplitN(string(out), "\n", 2)[0]
	}
	m.Commit = os.Getenv("BENCH_COMMIT")
	if f, err := os.Open(*hotreload); err == nil {
		h := sha256.New()
		io.Copy(h, f)
		f.Close()
		m.HotreloadSHA = hex.EncodeToString(h.Sum(nil))[:16]
	}
	return m
}

func goEnv(k string) string {
	out, err := exec.Command("go", "env", k).Output()
	check(err)
	return string(out)
}
