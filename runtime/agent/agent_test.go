package agent

// Unit tests of the agent's parts that need no plugin: verification, pair
// validation, generations and reverts on this binary's own variables, the
// socket protocol and single-agent start. The end-to-end tests with real
// plugins are in e2e_test.go.

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

func TestVerify(t *testing.T) {
	m := &protocol.Manifest{BaseBuildID: "a/b", Packages: map[string]string{"x/p": "h1", "x/q": "h2"}}
	if err := verify(m, "a/b", nil); err != nil {
		t.Errorf("no table: %v", err)
	}
	if err := verify(m, "a/b", map[string]string{"x/p": "h1", "x/q": "h2", "x/r": "h3"}); err != nil {
		t.Errorf("matching table: %v", err)
	}
	for _, c := range []struct {
		id    string
		table map[string]string
		says  []string
	}{
		{"c/d", nil, []string{`"a/b"`, `"c/d"`}},
		{"a/b", map[string]string{"x/p": "h1", "x/q": "other"}, []string{"package x/q differs", "h2", "other"}},
		{"a/b", map[string]string{"x/p": "h1"}, []string{"package x/q (hash h2 in the patch) is not part of this build"}},
	} {
		err := verify(m, c.id, c.table)
		if err == nil {
			t.Errorf("%s %v: verified", c.id, c.table)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q does not say %q", err, s)
			}
		}
	}
}

var (
	slotA func(int) int
	slotB func() string
	slotG *[]interface{}
	notSl int
)

func TestValidate(t *testing.T) {
	g := []interface{}{func(int) int { return 0 }}
	var typedNil func() string
	if _, err := validate([]any{&slotA, func(int) int { return 1 }, &slotB, nil, &slotG, &g, &slotB, typedNil}[:6], []string{"a", "b", "g"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pairs []any
		names []string
		says  string
	}{
		{[]any{&slotA}, []string{"a"}, "want pairs"},
		{[]any{&slotA, nil}, nil, "0 names for 1 pairs"},
		{[]any{slotA, nil}, []string{"a"}, "not a pointer"},
		{[]any{(*func())(nil), nil}, []string{"a"}, "not a pointer"},
		{[]any{&notSl, 1}, []string{"n"}, "points to a int, not a slot"},
		{[]any{&slotA, func(string) int { return 0 }}, []string{"a"}, "value of type func(string) int does not fit the slot of type func(int) int"},
		{[]any{&slotG, g}, []string{"g"}, "value of type []interface {} does not fit"},
		{[]any{&slotB, nil, &slotB, nil}, []string{"b", "b2"}, "pair 1 (b2): slot set twice"},
	} {
		_, err := validate(c.pairs, c.names)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("validate(%v): %v, want %q", c.pairs, err, c.says)
		}
	}
}

// apply switches pairs as a plugin's would be.
func apply(t *testing.T, a *Agent, pairs []any, names []string) {
	t.Helper()
	ch, err := validate(pairs, names)
	if err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	a.set(ch)
	a.record(protocol.Generation{Kind: protocol.KindApply, Functions: names})
	a.mu.Unlock()
}

func TestGenerations(t *testing.T) {
	defer func() { slotA, slotB, slotG = nil, nil, nil }()
	a := newAgent(Options{})
	state := func() string {
		s := []string{"-", "-", "-"}
		if slotA != nil {
			s[0] = strconv.Itoa(slotA(0))
		}
		if slotB != nil {
			s[1] = slotB()
		}
		if slotG != nil {
			s[2] = strconv.Itoa((*slotG)[0].(func(int) int)(0))
		}
		return strings.Join(s, " ")
	}
	g := []interface{}{func(int) int { return 7 }}
	apply(t, a, []any{&slotA, func(int) int { return 1 }, &slotG, &g}, []string{"A", "G"})
	apply(t, a, []any{&slotA, func(int) int { return 2 }, &slotB, func() string { return "b" }}, []string{"A", "B"})
	apply(t, a, []any{&slotG, nil}, []string{"G"})
	if got := state(); got != "2 b -" {
		t.Fatalf("gen 3: %s", got)
	}
	for _, c := range []struct {
		to    *int
		want  string
		funcs string
	}{
		{intp(1), "1 - 7", "A B G"},
		{intp(0), "- - -", "A G"},
		{nil, "1 - 7", "A G"}, // undoes the revert to 0
		{intp(3), "2 b -", "A B G"},
		{intp(9), "2 b -", ""}, // no such generation
	} {
		gen := a.current()
		r := a.Revert(c.to)
		if got := state(); got != c.want {
			t.Errorf("revert %v: %s, want %s", c.to, got, c.want)
		}
		if !r.OK {
			if c.to == nil || *c.to <= gen {
				t.Errorf("revert %v: %s", c.to, r.Error)
			}
			continue
		}
		if r.Gen != gen+1 || strings.Join(r.Functions, " ") != c.funcs {
			t.Errorf("revert %v: gen %d %v, want gen %d %s", c.to, r.Gen, r.Functions, gen+1, c.funcs)
		}
	}
	if st := a.Status(); st.Gen != 7 || len(st.Generations) != 7 || st.Generations[3].Kind != "revert" || *st.Generations[3].To != 1 {
		t.Errorf("status: %+v", st)
	}
}

func intp(i int) *int { return &i }

func TestSocketProtocol(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.sock")
	a, err := Start(Options{Socket: path})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if b, err := Start(Options{}); b != a || err != nil {
		t.Fatalf("second Start: %p %v, want the running agent %p", b, err, a)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v %v", fi, err)
	}

	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, x := range []struct{ req, want string }{
		{`not json`, `"ok":false,"gen":0,"error":"unreadable request`},
		{`{"op":"status"}`, `{"ok":true,"gen":0,"pid":` + strconv.Itoa(os.Getpid())},
		{`{"op":"apply","plugin":"/nonexistent/x.so"}`, `"code":"not-found"`},
		{`{"op":"revert"}`, `"error":"no generation -1 to revert to`},
		{`{"op":"revert","gen":0}`, `{"ok":true,"gen":1`},
		{`{"op":"fly"}`, `"code":"bad-request"`},
	} {
		c.Write([]byte(x.req + "\n"))
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(line, x.want) {
			t.Errorf("%s: %s, want %s", x.req, line, x.want)
		}
	}

	// The client, on a second connection.
	cl, err := protocol.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	st, err := cl.Status()
	if err != nil || st.Gen != 1 || st.Generations[0].Kind != "revert" {
		t.Fatalf("status: %+v %v", st, err)
	}
	if _, err := cl.Apply("nothere.so"); err == nil || err.(*protocol.Error).Code != protocol.CodeNotFound {
		t.Fatalf("apply: %v", err)
	}

	a.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket left after Close: %v", err)
	}
}

func TestOtherCopy(t *testing.T) {
	// A second copy of this package sees the first one's variable.
	t.Setenv(protocol.EnvRunning, strconv.Itoa(os.Getpid()))
	if a, err := Start(Options{Socket: filepath.Join(t.TempDir(), "a.sock")}); err != ErrOtherCopy {
		t.Fatalf("Start: %v %v, want ErrOtherCopy", a, err)
	}
	// A parent's agent (inherited variable, other pid) does not count.
	t.Setenv(protocol.EnvRunning, "1")
	a, err := Start(Options{Socket: filepath.Join(t.TempDir(), "a.sock")})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
}

func TestSocketRefusals(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	if _, err := listen(filepath.Join(dir, "a.sock"), false); err == nil || !strings.Contains(err.Error(), "not writable by group or others") {
		t.Errorf("world-writable dir: %v", err)
	}
	os.Chmod(dir, 0o750)
	if _, err := listen(filepath.Join(dir, "a.sock"), true); err == nil || !strings.Contains(err.Error(), "(0700)") {
		t.Errorf("strict, group-readable dir: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := listen(file, false); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("existing file: %v", err)
	}
	ln, err := listen(filepath.Join(dir, "a.sock"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := listen(filepath.Join(dir, "a.sock"), false); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("live socket: %v", err)
	}
}
