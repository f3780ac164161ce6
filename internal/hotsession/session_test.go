package hotsession

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gohot/rules_go_hot/internal/hotevent"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"fakehot": fakeHot})
}

// fakeHot stands for a hot program under its launcher: it serves the
// contents of the file named by its argument, says where it listens, and
// reports each change of the file as an event: applied (twice when the
// file says "twice"), or error when it says "broken". An interrupt ends
// it.
func fakeHot() {
	file := os.Args[1]
	last, _ := os.ReadFile(file) // before it says it runs: later edits are changes
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	// An event may start mid-line (as under ibazel).
	fmt.Fprintf(os.Stderr, "noise\nmore noise{\"event\":\"ready\",\"pid\":%d,\"socket\":\"/s\"}\n", os.Getpid())
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := os.ReadFile(file)
		w.Write(b)
	}))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	for gen := 1; ; {
		select {
		case <-stop:
			os.Exit(0)
		case <-time.After(10 * time.Millisecond):
		}
		b, _ := os.ReadFile(file)
		switch {
		case string(b) == string(last):
		case strings.Contains(string(b), "broken"):
			fmt.Fprintf(os.Stderr, "{\"event\":\"error\",\"kind\":\"compile\",\"errors\":[{\"file\":%q,\"line\":1}]}\n", filepath.Base(file))
		default:
			for n := 1 + strings.Count(string(b), "twice"); n > 0; n-- {
				fmt.Fprintf(os.Stderr, "{\"event\":\"applied\",\"gen\":%d,\"functions\":[\"main.f\"]}\n", gen)
				gen++
			}
		}
		last = b
	}
}

// fakeCommand is a command running fakeHot on a new file saying v1.
func fakeCommand(t *testing.T) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, "fakehot")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src.txt"), []byte("v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "fakehot"), "src.txt")
	cmd.Dir = dir
	return cmd
}

func TestSession(t *testing.T) {
	cmd := fakeCommand(t)
	s := Start(t, cmd)
	if e := s.Ready(time.Minute); e.PID != cmd.Process.Pid || s.PID != e.PID || e.Socket != "/s" || !strings.HasPrefix(e.JSON, `{"event":"ready"`) {
		t.Fatalf("ready %+v, started %d", e, cmd.Process.Pid)
	}
	s.Expect("/", "v1")

	s.Edit("src.txt", "v1", "v2")
	if e := s.Await("applied", time.Minute); e.Gen != 1 || len(e.Functions) != 1 || e.Functions[0] != "main.f" {
		t.Fatalf("applied %+v", e)
	}
	s.Expect("/", "v2")

	// Waiting for one kind, an error is a failure, said with what came.
	s.Edit("src.txt", "v2", "broken")
	_, err := s.await("applied", func(hotevent.Event) bool { return true }, time.Minute)
	if err == nil || !strings.Contains(err.Error(), `waiting for applied, got {"event":"error","kind":"compile"`) {
		t.Fatalf("await applied on an error: %v", err)
	}
	if tail := s.out.recent(); !strings.Contains(tail, "stderr: noise") || !strings.Contains(tail, "stderr: more noise") {
		t.Errorf("the failure message lacks the output:\n%s", tail)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.next(time.Now().Add(time.Second)); err == nil || !strings.Contains(err.Error(), "the command ended") {
		t.Fatalf("next event after the end: %v", err)
	}
}

// TestScript runs testdata/*.txtar, which use the script commands.
func TestScript(t *testing.T) {
	testscript.Run(t, Script(testscript.Params{Dir: "testdata"}))
}

func TestEditFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, []byte("a b a"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := EditFile(f, "a", "c"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f); string(b) != "c b a" {
		t.Errorf("edited: %q", b)
	}
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the file's own", fi.Mode())
	}
	if err := EditFile(f, "x", "y"); err == nil || !strings.Contains(err.Error(), `does not contain "x"`) {
		t.Errorf("edit of what is not there: %v", err)
	}
}
