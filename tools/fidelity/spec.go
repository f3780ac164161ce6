package fidelity

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/tools/txtar"
)

// A corpus file is a txtar archive. Its comment (before the first file
// marker) holds the program's settings, one per line, `#` starts a comment:
//
//	module github.com/mccutchen/go-httpbin/v2@v2.26.0   (module@version from the proxy)
//	dir ./testdata/app                                  (instead of module: a local directory, relative to the corpus file)
//	main ./cmd/go-httpbin                               (the main package, relative to the module)
//	args -host 127.0.0.1 -port {port}                   ({port}, {port2}: free ports chosen per start)
//	ready tcp {port}                                    (or: ready http {port} /path — how to tell it serves)
//	normalize REGEXP => REPLACEMENT                     (repeatable; applied to every observation)
//
// A section named `probe` lists the observations made after every edit
// (one per line):
//
//	http {port} GET /path                (status, Content-Type and body)
//	http {port} POST /path BODY          (BODY is a Go-quoted string)
//	tcp {port} "EHLO x\r\nQUIT\r\n"      (connect, send, read until the peer closes or is idle)
//
// Each section named `edit NAME` is one edit. Its lines before the first
// block are settings:
//
//	kind handler body                    (a label for the results table)
//	expect applied|noted|refused|error|unchanged
//	                                     (noted: applied, but the event must say
//	                                     why it is not visible yet, e.g. start-up code)
//	reason REGEXP                        (refused/error: a reason or message must match)
//	save inplace|rename                  (default: alternate)
//	ci                                   (part of the CI subset)
//	probe http {port} GET /uuid          (extra observations for this edit)
//
// followed by one or more replacement blocks; the old text must occur
// exactly once in the file (an empty old text appends to the file, or
// creates it):
//
//	<<< path/in/module.go
//	old text
//	===
//	new text
//	>>>

// Program is one corpus program.
type Program struct {
	Name      string // the corpus file's base name
	File      string // the corpus file
	Module    string // module path@version, or ""
	Dir       string // a local module directory (tests), or ""
	Main      string
	Args      []string
	Ready     Probe
	Normalize []Rule
	Probes    []Probe
	Edits     []*Edit
}

// Rule is a normalisation: matches of Re are replaced by Repl.
type Rule struct {
	Re   *regexp.Regexp
	Repl string
}

// Probe is one observation.
type Probe struct {
	Kind   string // "http" or "tcp"
	Port   string // "{port}", "{port2}"
	Method string // http
	Path   string // http
	Body   string // http body, or the bytes tcp sends
}

func (p Probe) String() string {
	switch p.Kind {
	case "http":
		if p.Body != "" {
			return fmt.Sprintf("http %s %s %s %q", p.Port, p.Method, p.Path, p.Body)
		}
		return fmt.Sprintf("http %s %s %s", p.Port, p.Method, p.Path)
	case "tcp":
		return fmt.Sprintf("tcp %s %q", p.Port, p.Body)
	}
	return p.Kind
}

// Edit is one edit and what is expected of it.
type Edit struct {
	Name    string
	Kind    string
	Expect  string
	Reason  *regexp.Regexp
	Save    string
	CI      bool
	Probes  []Probe
	Changes []Change
	Line    int // of the section, for messages
}

// Change replaces Old by New in File (module-relative).
type Change struct {
	File     string
	Old, New string
}

// Expectations an edit may state.
var expectations = map[string]bool{"applied": true, "noted": true, "refused": true, "error": true, "unchanged": true}

// Load reads every corpus file of dir (*.txtar), sorted by name.
func Load(dir string) ([]*Program, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	var progs []*Program
	for _, f := range files {
		p, err := ParseFile(f)
		if err != nil {
			return nil, err
		}
		progs = append(progs, p)
	}
	return progs, nil
}

// ParseFile reads one corpus file.
func ParseFile(file string) (*Program, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p, err := Parse(file, data)
	if err != nil {
		return nil, err
	}
	if p.Dir != "" && !filepath.IsAbs(p.Dir) {
		p.Dir = filepath.Join(filepath.Dir(file), p.Dir)
	}
	return p, nil
}

// Parse parses a corpus file's contents; file names it in errors.
func Parse(file string, data []byte) (*Program, error) {
	a := txtar.Parse(data)
	p := &Program{Name: strings.TrimSuffix(filepath.Base(file), ".txtar"), File: file}
	errf := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	for i, line := range lines(a.Comment) {
		n := i + 1
		key, val := cut(line)
		switch key {
		case "":
		case "module":
			p.Module = val
		case "dir":
			p.Dir = val
		case "main":
			p.Main = val
		case "args":
			p.Args = strings.Fields(val)
		case "ready":
			pr, err := parseReady(val)
			if err != nil {
				return nil, errf(n, "%v", err)
			}
			p.Ready = pr
		case "normalize":
			re, repl, ok := strings.Cut(val, " => ")
			if !ok {
				return nil, errf(n, "normalize wants REGEXP => REPLACEMENT")
			}
			rx, err := regexp.Compile(re)
			if err != nil {
				return nil, errf(n, "normalize: %v", err)
			}
			p.Normalize = append(p.Normalize, Rule{rx, repl})
		default:
			return nil, errf(n, "unknown setting %q", key)
		}
	}
	if (p.Module == "") == (p.Dir == "") {
		return nil, errf(1, "want exactly one of module or dir")
	}
	if p.Main == "" || p.Ready.Kind == "" {
		return nil, errf(1, "want main and ready")
	}
	// Line numbers of sections, for messages.
	offset := len(lines(a.Comment)) + 1
	seen := map[string]bool{}
	for _, f := range a.Files {
		start := offset
		offset += 1 + strings.Count(string(f.Data), "\n")
		switch {
		case f.Name == "probe":
			for i, line := range lines(f.Data) {
				if line == "" {
					continue
				}
				pr, err := parseProbe(line)
				if err != nil {
					return nil, errf(start+1+i, "%v", err)
				}
				p.Probes = append(p.Probes, pr)
			}
		case strings.HasPrefix(f.Name, "edit "):
			name := strings.TrimSpace(strings.TrimPrefix(f.Name, "edit "))
			if seen[name] {
				return nil, errf(start, "edit %q defined twice", name)
			}
			seen[name] = true
			e, err := parseEdit(name, f.Data, start)
			if err != nil {
				return nil, fmt.Errorf("%s:%v", file, err)
			}
			p.Edits = append(p.Edits, e)
		default:
			return nil, errf(start, "unknown section %q (want probe or edit NAME)", f.Name)
		}
	}
	if len(p.Probes) == 0 {
		return nil, errf(1, "no probe section")
	}
	return p, nil
}

func parseEdit(name string, data []byte, start int) (*Edit, error) {
	e := &Edit{Name: name, Line: start}
	ls := lines(data)
	errf := func(i int, format string, args ...any) error {
		return fmt.Errorf("%d: edit %s: %s", start+1+i, name, fmt.Sprintf(format, args...))
	}
	i := 0
	for ; i < len(ls) && !strings.HasPrefix(ls[i], "<<< "); i++ {
		key, val := cut(ls[i])
		switch key {
		case "":
		case "kind":
			e.Kind = val
		case "expect":
			if !expectations[val] {
				return nil, errf(i, "expect %q: want applied, noted, refused, error or unchanged", val)
			}
			e.Expect = val
		case "reason":
			rx, err := regexp.Compile(val)
			if err != nil {
				return nil, errf(i, "reason: %v", err)
			}
			e.Reason = rx
		case "save":
			if val != "inplace" && val != "rename" {
				return nil, errf(i, "save %q: want inplace or rename", val)
			}
			e.Save = val
		case "ci":
			e.CI = true
		case "probe":
			pr, err := parseProbe(val)
			if err != nil {
				return nil, errf(i, "%v", err)
			}
			e.Probes = append(e.Probes, pr)
		default:
			return nil, errf(i, "unknown setting %q", key)
		}
	}
	for i < len(ls) {
		if ls[i] == "" {
			i++
			continue
		}
		if !strings.HasPrefix(ls[i], "<<< ") {
			return nil, errf(i, "want a block starting with <<< FILE, got %q", ls[i])
		}
		c := Change{File: strings.TrimSpace(strings.TrimPrefix(ls[i], "<<< "))}
		j := i + 1
		var old, new []string
		for ; j < len(ls) && ls[j] != "==="; j++ {
			old = append(old, ls[j])
		}
		if j == len(ls) {
			return nil, errf(i, "block for %s has no ===", c.File)
		}
		for j++; j < len(ls) && ls[j] != ">>>"; j++ {
			new = append(new, ls[j])
		}
		if j == len(ls) {
			return nil, errf(i, "block for %s has no >>>", c.File)
		}
		c.Old, c.New = joinLines(old), joinLines(new)
		e.Changes = append(e.Changes, c)
		i = j + 1
	}
	if e.Expect == "" {
		return nil, errf(0, "no expect")
	}
	if len(e.Changes) == 0 {
		return nil, errf(0, "no change block")
	}
	if e.Reason != nil && e.Expect != "refused" && e.Expect != "error" {
		return nil, errf(0, "reason only goes with expect refused or error")
	}
	return e, nil
}

func joinLines(ls []string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

func parseReady(val string) (Probe, error) {
	f := strings.Fields(val)
	switch {
	case len(f) == 2 && f[0] == "tcp":
		return Probe{Kind: "tcp", Port: f[1]}, nil
	case len(f) == 3 && f[0] == "http":
		return Probe{Kind: "http", Port: f[1], Method: "GET", Path: f[2]}, nil
	}
	return Probe{}, fmt.Errorf("ready %q: want `tcp {port}` or `http {port} /path`", val)
}

func parseProbe(line string) (Probe, error) {
	kind, rest := cut(line)
	port, rest := cut(rest)
	if !strings.HasPrefix(port, "{port") {
		return Probe{}, fmt.Errorf("probe %q: want a {port} after the kind", line)
	}
	switch kind {
	case "http":
		method, rest := cut(rest)
		path, body := cut(rest)
		if method == "" || !strings.HasPrefix(path, "/") {
			return Probe{}, fmt.Errorf("probe %q: want http {port} METHOD /path [\"body\"]", line)
		}
		pr := Probe{Kind: "http", Port: port, Method: method, Path: path}
		if body != "" {
			b, err := strconv.Unquote(body)
			if err != nil {
				return Probe{}, fmt.Errorf("probe %q: body must be a Go-quoted string: %v", line, err)
			}
			pr.Body = b
		}
		return pr, nil
	case "tcp":
		b, err := strconv.Unquote(rest)
		if err != nil {
			return Probe{}, fmt.Errorf("probe %q: want tcp {port} \"bytes to send\" (Go-quoted): %v", line, err)
		}
		return Probe{Kind: "tcp", Port: port, Body: b}, nil
	}
	return Probe{}, fmt.Errorf("probe %q: want http or tcp", line)
}

// lines splits data into lines without their newline; a `#` line is a
// comment (kept as an empty line so numbering holds).
func lines(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// cut splits a settings line into its key and the rest; comment lines give "".
func cut(line string) (string, string) {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "#") {
		return "", ""
	}
	k, v, _ := strings.Cut(line, " ")
	return k, strings.TrimSpace(v)
}
