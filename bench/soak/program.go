package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// program is what the soak needs of a corpus program
// (tools/fidelity/corpus/NAME.txtar, see tools/fidelity/spec.go): where its
// module comes from, its main package, its arguments and how to tell that it
// serves. Only the settings in the archive's comment are read; the
// fidelity edits are not used (the soak makes its own, below).
type program struct {
	Name   string   `json:"name"`
	Module string   `json:"module,omitempty"` // module@version from the proxy
	Dir    string   `json:"dir,omitempty"`    // or a local module directory
	Main   string   `json:"main"`
	Args   []string `json:"args"`  // {port} is the port chosen per start
	Ready  string   `json:"ready"` // "http {port} /path"
}

// parseCorpus reads the settings of a corpus file.
func parseCorpus(file string) (*program, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p := &program{Name: strings.TrimSuffix(filepath.Base(file), ".txtar")}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			break // the first file: the comment is over
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, _ := strings.Cut(line, " ")
		val = strings.TrimSpace(val)
		switch key {
		case "module":
			p.Module = val
		case "dir":
			p.Dir = val
			if !filepath.IsAbs(val) {
				p.Dir = filepath.Join(filepath.Dir(file), val)
			}
		case "main":
			p.Main = val
		case "args":
			p.Args = strings.Fields(val)
		case "ready":
			p.Ready = val
		case "normalize":
		default:
			return nil, fmt.Errorf("%s:%d: unknown setting %q", file, n, key)
		}
	}
	if p.Main == "" || (p.Module == "") == (p.Dir == "") {
		return nil, fmt.Errorf("%s: needs main and one of module or dir", file)
	}
	return p, nil
}

// args returns the program's arguments for a start on port.
func (p *program) args(port string) []string {
	out := make([]string, len(p.Args))
	for i, a := range p.Args {
		out[i] = strings.ReplaceAll(a, "{port}", port)
	}
	return out
}

// readyPath is the HTTP path of the program's ready probe ("" when it has
// none: then the soak edit's path is polled).
func (p *program) readyPath() string {
	f := strings.Fields(p.Ready)
	if len(f) == 3 && f[0] == "http" {
		return f[2]
	}
	return ""
}

// fetch copies the program's module (as published on the proxy, or the
// local directory) into dst, writable.
func (p *program) fetch(work, dst string) error {
	dir := p.Dir
	if p.Module != "" {
		cmd := exec.Command("go", "mod", "download", "-json", p.Module)
		cmd.Dir = work
		out, err := cmd.Output()
		var m struct{ Dir, Error string }
		if jerr := json.Unmarshal(out, &m); err != nil || jerr != nil || m.Dir == "" {
			return fmt.Errorf("go mod download %s: %v %s", p.Module, err, m.Error)
		}
		dir = m.Dir
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-rL", "--no-preserve=mode", dir+"/.", dst).CombinedOutput(); err != nil {
		return fmt.Errorf("copy %s: %v: %s", dir, err, out)
	}
	return nil
}

// soakEdit is the edit the soak makes again and again: Old (which must
// occur exactly once in File) becomes New with %s replaced by a value that
// is new at every generation, and a GET of Path then answers with a body
// containing that value. Every edit is a real change of one function body.
type soakEdit struct {
	File string `json:"file"`
	Old  string `json:"old"`
	New  string `json:"new"`
	Path string `json:"path"`
}

// soakEdits are the built-in edits, by corpus program. httpbin: the body of
// the /deny handler ((*HTTPBin).Deny, registered on the mux at start-up as
// a method value, so each patch must reach it through its slot).
var soakEdits = map[string]soakEdit{
	"httpbin": {
		File: "httpbin/handlers.go",
		Old:  "[]byte(`YOU SHOULDN'T BE HERE`)",
		New:  "[]byte(`YOU SHOULDN'T BE HERE %s`)",
		Path: "/deny",
	},
}

// apply returns orig with the edit made for value.
func (e soakEdit) apply(orig []byte, value string) ([]byte, error) {
	s := string(orig)
	if n := strings.Count(s, e.Old); n != 1 {
		return nil, fmt.Errorf("%s: %q occurs %d times, want 1", e.File, e.Old, n)
	}
	return []byte(strings.Replace(s, e.Old, fmt.Sprintf(e.New, value), 1)), nil
}

// save writes data to file as editors do: in place (truncate and write),
// or to a temporary file renamed over the original.
func save(file string, data []byte, rename bool) error {
	if rename {
		tmp := file + ".soak~"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, file)
	}
	return os.WriteFile(file, data, 0o644)
}
