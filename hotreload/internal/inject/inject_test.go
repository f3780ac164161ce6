package inject

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// TestOverlay builds a module that knows nothing of rules_go_hot with the
// overlay, runs it, and talks to the agent the overlay put inside it.
func TestOverlay(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("the agent loads plugins: it needs cgo, and there is no gcc")
	}
	mod := t.TempDir()
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/plain\n\ngo 1.26\n"), 0o644)
	os.MkdirAll(filepath.Join(mod, "cmd", "app"), 0o755)
	os.WriteFile(filepath.Join(mod, "cmd", "app", "main.go"), []byte("package main\n\nimport \"time\"\n\nfunc main() { time.Sleep(time.Minute) }\n"), 0o644)

	work := t.TempDir()
	ov, err := Overlay(work, mod, "example.com/plain", filepath.Join(mod, "cmd", "app"), map[string]string{"example.com/plain/cmd/app": "h1"})
	if err != nil {
		t.Fatal(err)
	}
	base, err := os.ReadFile(filepath.Join(work, "agent-src", "agent", "zz_gohot_base.go"))
	if err != nil || !strings.Contains(string(base), `"example.com/plain/cmd/app": "h1",`) {
		t.Fatalf("base table file: %v\n%s", err, base)
	}
	// The agent's import of its protocol package points into the module.
	agentSrc, _ := os.ReadFile(filepath.Join(work, "agent-src", "agent", "agent.go"))
	if strings.Contains(string(agentSrc), "github.com/gohot/rules_go_hot") || !strings.Contains(string(agentSrc), `"example.com/plain/gohotagent/agent/protocol"`) {
		t.Fatal("the injected agent still imports rules_go_hot")
	}

	bin := filepath.Join(t.TempDir(), "app")
	cmd := exec.Command("go", "build", "-overlay="+ov, "-o", bin, "./cmd/app")
	cmd.Dir, cmd.Env = mod, append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build with the overlay: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(mod, "gohotagent")); err == nil {
		t.Fatal("the overlay wrote into the module")
	}

	sock := filepath.Join(t.TempDir(), "agent.sock")
	app := exec.Command(bin)
	app.Env = append(os.Environ(), protocol.EnvSocket+"="+sock)
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer app.Process.Kill()
	var c *protocol.Client
	for i := 0; i < 250 && c == nil; i++ {
		c, _ = protocol.Dial(sock)
		time.Sleep(20 * time.Millisecond)
	}
	if c == nil {
		t.Fatal("the injected agent did not open its socket")
	}
	defer c.Close()
	st, err := c.Status()
	if err != nil || !st.OK || st.PID != app.Process.Pid {
		t.Fatalf("status: %v %+v", err, st)
	}
	id, err := protocol.ReadBuildID(bin)
	if err != nil || st.BuildID != id {
		t.Fatalf("agent build id %q, binary %q (%v)", st.BuildID, id, err)
	}
}

// TestOverlayAnyGoLine: the injected agent compiles whatever the go line
// of the module it is injected into says (it is compiled as part of that
// module: a go 1.13 module used to fail with "predeclared any requires
// go1.18 or later"), and the module's own code keeps its version.
func TestOverlayAnyGoLine(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("the agent loads plugins: it needs cgo, and there is no gcc")
	}
	for _, goLine := range []string{"go 1.13", "go 1.9", "go 1.26.0", ""} {
		t.Run(strings.ReplaceAll(goLine, " ", ""), func(t *testing.T) {
			mod := t.TempDir()
			gomod := "module example.com/old\n\n" + goLine + "\n"
			os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644)
			os.WriteFile(filepath.Join(mod, "main.go"), []byte("package main\n\nfunc main() { println(\"ok\") }\n"), 0o644)
			ov, err := Overlay(t.TempDir(), mod, "example.com/old", mod, nil)
			if err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(t.TempDir(), "app")
			cmd := exec.Command("go", "build", "-overlay="+ov, "-o", bin, ".")
			cmd.Dir, cmd.Env = mod, append(os.Environ(), "CGO_ENABLED=1", "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("build of a module saying %q with the agent injected: %v\n%s", goLine, err, out)
			}
			if b, _ := os.ReadFile(filepath.Join(mod, "go.mod")); string(b) != gomod {
				t.Fatalf("go.mod changed:\n%s", b)
			}
		})
	}
}

// TestAgentLang: the version the injected files declare is this module's
// go line (what the agent's sources are written at).
func TestAgentLang(t *testing.T) {
	b, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	line := ""
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "go ") {
			line = strings.TrimSpace(l[len("go "):])
		}
	}
	if want := kit.LangVersion(line, "go"+line, false); AgentLang != want {
		t.Fatalf("AgentLang = %q, but go.mod says go %s (%s)", AgentLang, line, want)
	}
}

func TestWithLang(t *testing.T) {
	for in, want := range map[string]string{
		"package a\n":                            "//go:build go1.26\n\npackage a\n",
		"// Doc.\npackage a\n":                   "//go:build go1.26\n\n// Doc.\npackage a\n",
		"//go:build linux\n\npackage a\n":        "//go:build go1.26 && (linux)\n\npackage a\n",
		"// x\n//go:build a || b\n\npackage a\n": "// x\n//go:build go1.26 && (a || b)\n\npackage a\n",
	} {
		if got := string(withLang([]byte(in), "go1.26")); got != want {
			t.Errorf("withLang(%q) = %q, want %q", in, got, want)
		}
	}
}
