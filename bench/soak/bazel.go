package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// The -bazel mode: the program is built and run as a Bazel user would,
// `bazel run` of the go_hot_binary Gazelle declares for its main package,
// and the baseline is `bazel build` of the plain go_binary + start. Each
// copy of the module (hot, plain) becomes a workspace of its own (a Bazel
// server each: an edit of the plain copy must not be seen by the hot
// launcher): the module's files unchanged, plus a WORKSPACE (from
// rules/testdata/WORKSPACE.hot: rules_go and Gazelle of
// scripts/bazel/setup.sh, rules_go_hot from this repository) and BUILD
// files written by Gazelle with rules_go_hot's extension.
var (
	bazelMode = flag.Bool("bazel", false, "build and run the program under Bazel (`bazel run` of its go_hot_binary; the baseline `bazel build` of its go_binary): needs scripts/bazel/setup.sh's environment (RULES_GO_HOT_BAZELRC)")
)

// bazelTarget is the label of the go_binary of the main package
// (Gazelle names it after the directory) and, with "_hot", its
// go_hot_binary.
func (s *soak) bazelTarget() string {
	dir := strings.TrimPrefix(path.Clean(s.r.Program.Main), "./")
	return "//" + dir + ":" + path.Base(dir)
}

// bazelWorkspace makes the module copy dir a Bazel workspace and runs
// Gazelle in it.
func (s *soak) bazelWorkspace(dir, name string) error {
	rc := os.Getenv("RULES_GO_HOT_BAZELRC")
	if rc == "" {
		return fmt.Errorf("-bazel: RULES_GO_HOT_BAZELRC is not set: . ~/.cache/rules_go_hot/bazel/env.sh (after bash scripts/bazel/setup.sh)")
	}
	root := repoRoot()
	ws, err := os.ReadFile(filepath.Join(root, "rules", "testdata", "WORKSPACE.hot"))
	if err != nil {
		return err
	}
	text := strings.Replace(strings.ReplaceAll(string(ws), "{{RULES_GO_HOT}}", root), `workspace(name = "visits_e2e")`, fmt.Sprintf("workspace(name = %q)", name), 1)
	modPath, err := modulePath(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	files := map[string]string{
		"WORKSPACE": text,
		".bazelrc":  "try-import %workspace%/.rules_go_hot.bazelrc\n",
		"BUILD.bazel": fmt.Sprintf(`load("@bazel_gazelle//:def.bzl", "gazelle")

# gazelle:prefix %s
# gazelle:go_hot enabled

gazelle(
    name = "gazelle",
    gazelle = "@rules_go_hot//:gazelle_binary",
)
`, modPath),
	}
	for f, t := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(t), 0o644); err != nil {
			return err
		}
	}
	link := filepath.Join(dir, ".rules_go_hot.bazelrc")
	os.Remove(link) // a -work directory of an earlier run
	if err := os.Symlink(rc, link); err != nil {
		return err
	}
	if _, err = s.bazel(dir, "run", "//:gazelle"); err != nil {
		return err
	}
	build, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(path.Clean(s.r.Program.Main), "./"), "BUILD.bazel"))
	if err != nil || !strings.Contains(string(build), "go_hot_binary(") {
		return fmt.Errorf("Gazelle wrote no go_hot_binary for %s (%v)", s.r.Program.Main, err)
	}
	return nil
}

// bazel runs a Bazel command in workspace dir, with hotreload as the
// soak's (the hot SDK copies it instead of building its own).
func (s *soak) bazel(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("bazel", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RULES_GO_HOT_HOTRELOAD="+s.r.Meta.Hotreload)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("bazel %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, lastLines(out.String(), 30))
	}
	return out.Bytes(), nil
}

// bazelHotCommand builds the go_hot_binary and returns the command its
// launcher script runs (hotreload run --bazel-kit ...), with the soak's
// flags: as `bazel run` would, with a state directory of the soak's.
func (s *soak) bazelHotCommand(progArgs []string) (*exec.Cmd, error) {
	target := s.bazelTarget() + "_hot"
	t0 := time.Now()
	if _, err := s.bazel(s.hotSrc, "build", target); err != nil {
		return nil, err
	}
	s.r.Start.BazelBuildS = time.Since(t0).Seconds()
	log.Printf("bazel build %s: %.1f s", target, s.r.Start.BazelBuildS)
	pkg := strings.TrimPrefix(strings.SplitN(target, ":", 2)[0], "//")
	name := strings.SplitN(target, ":", 2)[1]
	ws := filepath.Base(s.hotSrc)
	runfiles := filepath.Join(s.hotSrc, "bazel-bin", pkg, name+".runfiles")
	args := append([]string{"run", "--events=json", "--state-dir", s.state},
		"--bazel-kit", filepath.Join(runfiles, ws, pkg, name+".kit", "kit.json"),
		"--bazel-runfiles", filepath.Join(runfiles, ws), "--workspace", s.hotSrc, "--")
	cmd := exec.Command(s.r.Meta.Hotreload, append(args, progArgs...)...)
	cmd.Dir = s.hotSrc
	return cmd, nil
}

// bazelPlainBuild builds the plain go_binary and returns its executable.
func (s *soak) bazelPlainBuild() (string, error) {
	target := s.bazelTarget()
	if _, err := s.bazel(s.plainSrc, "build", target); err != nil {
		return "", err
	}
	pkg := strings.TrimPrefix(strings.SplitN(target, ":", 2)[0], "//")
	name := strings.SplitN(target, ":", 2)[1]
	return filepath.Join(s.plainSrc, "bazel-bin", pkg, name+"_", name), nil
}

// bazelShutdown stops the workspaces' Bazel servers.
func (s *soak) bazelShutdown() {
	for _, dir := range []string{s.hotSrc, s.plainSrc} {
		s.bazel(dir, "shutdown")
	}
}

func modulePath(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
