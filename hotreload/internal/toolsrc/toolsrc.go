package toolsrc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A Fix is one exact replacement in one file of a command's source.
type Fix struct {
	File     string // slash-separated, under the directory Apply is given
	Old, New string
	Why      string
}

// NotApplicable is the error of a toolchain whose source is not the code
// a fix changes.
type NotApplicable struct {
	Tool, File, Want, Why string
}

func (e *NotApplicable) Error() string {
	return fmt.Sprintf("%s: the code the %s changes is not there (a Go version other than the one it was made for): %s", e.File, e.Tool, e.Why)
}

// Apply applies fixes to the files under dir and returns the changed
// texts by slash-separated path under dir. It writes what names the
// result (each original file and each fix) to h. Every Old text must
// occur exactly once; else *NotApplicable, naming tool.
func Apply(h hash.Hash, tool, dir string, fixes []Fix) (map[string]string, error) {
	texts := map[string]string{}
	for _, f := range fixes {
		text, ok := texts[f.File]
		if !ok {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.File)))
			if err != nil {
				return nil, err
			}
			text = string(b)
			fmt.Fprintf(h, "%s %d\n", f.File, len(b))
			h.Write(b)
		}
		if n := strings.Count(text, f.Old); n != 1 {
			return nil, &NotApplicable{Tool: tool, File: filepath.Join(dir, filepath.FromSlash(f.File)), Want: f.Old, Why: f.Why}
		}
		texts[f.File] = strings.Replace(text, f.Old, f.New, 1)
		fmt.Fprintf(h, "%q -> %q\n", f.Old, f.New)
	}
	return texts, nil
}

// Build builds the command pkg ("cmd/link") of the toolchain at goroot
// into out, with the files of texts (slash-separated paths under the
// source directory srcDir, changed or added) in place of the
// toolchain's. The sources and the overlay are written under work. The
// command is built under a temporary name and renamed: two sessions
// building it at once both succeed, and no one runs a half-written tool.
func Build(ctx context.Context, goroot, pkg, srcDir string, texts map[string]string, work, out string) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	replace := map[string]string{}
	for name, text := range texts {
		f := filepath.Join(work, strings.ReplaceAll(name, "/", "_"))
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			return err
		}
		replace[filepath.Join(srcDir, filepath.FromSlash(name))] = f
	}
	ov, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err != nil {
		return err
	}
	ovFile := filepath.Join(work, "overlay.json")
	if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp%d", out, os.Getpid())
	cmd := exec.CommandContext(ctx, filepath.Join(goroot, "bin", "go"), "build", "-overlay", ovFile, "-o", tmp, pkg)
	cmd.Env = append(os.Environ(), "GOROOT="+goroot, "GOTOOLCHAIN=local", "GOFLAGS=", "GOOS=", "GOARCH=", "GOWORK=off")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("building the private %s (go build -overlay %s %s): %v\n%s", filepath.Base(pkg), ovFile, pkg, err, buf.Bytes())
	}
	return os.Rename(tmp, out)
}
