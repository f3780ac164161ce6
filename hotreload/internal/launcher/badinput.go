package launcher

import (
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/inject"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// checkToolchain refuses, up front and with what to do, what no hot build
// can work with: a Go older than the one the injected reload agent is
// written for, or no C compiler (Go plugins need cgo).
func (r *run) checkToolchain() error {
	out, err := kit.GoOutput(r.ctx, "", r.env, "env", "GOVERSION", "CC")
	if err != nil {
		return r.cannot(err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(f) != 2 {
		return fmt.Errorf("go env: unexpected output %q", out)
	}
	goVersion, cc := f[0], f[1]
	if version.IsValid(goVersion) && version.Compare(goVersion, inject.AgentLang) < 0 {
		return r.cannot(fmt.Errorf("the go command here is %s, and hot builds need %s or newer (the reload agent compiled into the program is written for it): install a newer Go, or set GOTOOLCHAIN=%s.0 to have the go command fetch one", goVersion, inject.AgentLang, inject.AgentLang))
	}
	if fields := strings.Fields(cc); len(fields) == 0 {
		cc = "gcc"
	} else {
		cc = fields[0]
	}
	if _, err := exec.LookPath(cc); err != nil {
		return r.cannot(fmt.Errorf("no C compiler (%s): hot programs load patches as Go plugins, which need cgo; install one (e.g. apt-get install gcc) or set CC", cc))
	}
	return nil
}

var (
	tooNew   = regexp.MustCompile(`requires go >= (\S+) \(running go (\S+?)[;)]`)
	noGoFile = regexp.MustCompile(`(build constraints exclude all Go files in|no Go files in) (\S+)`)
)

// cannot is the one message for a module hotreload cannot build: it names
// the package and its module, says why (in the go command's words when it
// has them) and what to do. Nothing of the module is changed.
func (r *run) cannot(err error) error {
	msg := strings.TrimSpace(err.Error())
	reason := msg
	switch {
	case tooNew.MatchString(msg):
		m := tooNew.FindStringSubmatch(msg)
		reason = fmt.Sprintf("its go.mod says go %s, newer than this Go toolchain (go%s): install Go %s or newer, or set GOTOOLCHAIN=auto to have the go command fetch it", m[1], m[2], m[1])
	case noGoFile.MatchString(msg):
		m := noGoFile.FindStringSubmatch(msg)
		reason = fmt.Sprintf("its main package has no Go files to compile (%s %s): a hot build compiles with cgo on (CGO_ENABLED=1) and only the -tags given; check the package's build constraints, or name the program's main package", m[1], m[2])
	}
	return fmt.Errorf("cannot run %s%s: %s", r.opts.Package, moduleOf(), reason)
}

// moduleOf names the main module (the go.mod governing the working
// directory, as for the go command) for messages: " (module M, DIR/go.mod)".
func moduleOf() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		gomod := filepath.Join(dir, "go.mod")
		if b, err := os.ReadFile(gomod); err == nil {
			path := ""
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.Fields(l); len(f) >= 2 && f[0] == "module" {
					path = strings.Trim(f[1], `"`)
					break
				}
			}
			return fmt.Sprintf(" (module %s, %s)", path, gomod)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return " (no go.mod here or above: not in a module)"
		}
		dir = parent
	}
}
