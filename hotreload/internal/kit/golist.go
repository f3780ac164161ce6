package kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/procgroup"
)

// Listed is what `go list -json` says of a package.
type Listed struct {
	ImportPath string
	Name       string
	Dir        string
	Export     string
	Shlib      string // -linkshared: the shared library holding it
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	EmbedFiles []string
	Module     *struct {
		Path      string
		Dir       string
		Main      bool
		GoVersion string
	}
	Error *struct{ Err string }
}

// GoList runs `go list` with args in dir, with env, and decodes the
// packages it prints: args say which (patterns, -deps) and how (-json, or
// -json=fields for only some). It is the one way hotreload asks the go
// command about packages.
func GoList(ctx context.Context, dir string, env []string, args ...string) ([]*Listed, error) {
	out, err := GoOutput(ctx, dir, env, append([]string{"list"}, args...)...)
	if err != nil {
		return nil, err
	}
	var pkgs []*Listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		p := new(Listed)
		if err := dec.Decode(p); err != nil {
			return nil, err
		}
		if p.Error != nil {
			return nil, fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// goList lists packages with their dependencies, as a kit records them.
func goList(ctx context.Context, dir string, env []string, args ...string) ([]*Listed, error) {
	return GoList(ctx, dir, env, append([]string{"-deps", "-json"}, args...)...)
}

// GoOutput runs `go args...` in dir (the current directory if empty), with
// env, and returns what it prints. When ctx is done, the go command is
// killed with every process it started. A failure is told in the go
// command's words: "go ARGS: what it printed on stderr".
func GoOutput(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := procgroup.Command(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, err
		}
		said := strings.TrimSpace(string(ee.Stderr))
		if said == "" {
			said = err.Error()
		}
		return nil, fmt.Errorf("go %s: %s", strings.Join(args, " "), said)
	}
	return out, nil
}
