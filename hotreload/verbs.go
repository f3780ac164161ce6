package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// A verb is one `hotreload` subcommand, implemented in a file of its own.
type verb struct {
	name string
	// synopsis is what follows "hotreload <name>" in the usage.
	synopsis string
	// summary says what the verb does: the usage's lines under the
	// synopsis.
	summary string
	// misuse is the synopsis a wrong command line is answered with, where
	// it is not the usage's (a shorter or a fuller one).
	misuse string
	run    func(args []string, stdout, stderr io.Writer) int
}

// verbs are hotreload's subcommands, in the order its usage lists them:
// the one place their names and usage are written. It is a function, not
// a variable, because the verbs read their own synopsis from it.
func verbs() []verb {
	return []verb{
		{name: "build", synopsis: "[-v] [--trusted-key KEY.pub] [go build flags] <packages>", run: buildVerb,
			summary: "build a hot binary: every package instrumented, cgo on, external\n" +
				"linking (what a plugin host needs). With --trusted-key (and -o), it\n" +
				"loads only patches signed by that key's private key."},
		{name: "go", synopsis: "<go subcommand> [args]", run: goVerb,
			summary: "run any go command on the instrumented program, e.g.\n" +
				"hotreload go test ./...   hotreload go vet ./...\n" +
				"hotreload go build -buildmode=plugin -o patch.so ./patch"},
		{name: "goflags", run: goflagsVerb,
			summary: "print the flags that make a plain go command build instrumented:\n" +
				`CGO_ENABLED=1 GOFLAGS="$(hotreload goflags)" GOHOT_COMPILER="$(hotreload compiler)" go build ./cmd/app`},
		{name: "compiler", synopsis: "[-o FILE]", run: compilerVerb,
			summary: "build the hot compiler of the go command's toolchain (once per Go\n" +
				"version) and print its path, or copy it to FILE: the toolchain's\n" +
				"compiler, whose inliner charges a prologue nothing, so that hot\n" +
				"code is inlined as plain code is (docs/PERFORMANCE.md). Exit 3:\n" +
				"this Go version has none (hot builds use the stock compiler)."},
		{name: "run", synopsis: "[--events=human|json] [--link=shared|plugin] [--restart-on-rude] [-tags t] <package> [-- args]", run: runVerb,
			misuse: "[flags] <package> [-- args]",
			summary: "build the program hot, run it, and patch it live on every save of\n" +
				"a .go file of its module: edits apply with its state intact."},
		{name: "kit", synopsis: "--bazel-kit kit.exec.json -o DIR", run: kitVerb,
			misuse: "--bazel-kit kit.exec.json [--bazel-root DIR] -o DIR",
			summary: "write a go_hot_binary's patch kit as one directory, to archive\n" +
				"(Bazel runs it for the target's patch_kit output group)."},
		{name: "link", synopsis: "--sdk sdk.json (--std STDLIB_DIR | --linker) -o FILE | --bazel-kit kit.exec.json -o BINARY [-- linker flags]", run: linkVerb,
			misuse: "--sdk sdk.json (--std STDLIB_DIR | --linker) -o FILE | --bazel-kit kit.exec.json [--bazel-root DIR] -o BINARY [-- linker flags]",
			summary: "link a go_hot_binary's standard library as a shared library, build\n" +
				"the private linker its patches link with, or link its program\n" +
				"against that library (Bazel runs it; docs/PATCH-LINKING.md)."},
		{name: "patch", synopsis: "--kit BASE_KIT_DIR --bazel-kit kit.exec.json -o patch.so", run: patchVerb,
			misuse: "--kit BASE_KIT_DIR --bazel-kit kit.exec.json [--bazel-root DIR] -o patch.so",
			summary: "build a patch for the binary of a base kit from a newer build's\n" +
				"sources, or say why it would not load (go_hot_patch runs it)."},
		{name: "status", synopsis: "[--pid N | --socket S] [--json]", run: controlVerb{"status", statusRequest, printStatus}.run,
			summary: "list a running hot program's generations and patched functions."},
		{name: "apply", synopsis: "[--pid N | --socket S] <patch.so>", run: controlVerb{"apply", applyRequest, printApplied}.run,
			summary: "apply a patch (built by go_hot_patch or hotreload) to a running program."},
		{name: "revert", synopsis: "[--pid N | --socket S] [GEN]", run: controlVerb{"revert", revertRequest, printReverted}.run,
			summary: "go back to generation GEN (default: the one before the current)."},
		{name: "keygen", synopsis: "-o PREFIX", run: keygenVerb,
			summary: "make a key pair for signed patches: PREFIX.key (private, 0600;\n" +
				"keep it outside the repository) and PREFIX.pub."},
		{name: "sign", synopsis: "--key PREFIX.key <patch.so>", run: signVerb,
			summary: "sign a patch's manifest (patch.so.json, which vouches for patch.so):\n" +
				"writes patch.so.sig."},
		{name: "version", run: versionVerb,
			summary: "print the version marker hot objects are cached under."},
	}
}

const (
	usageIntro = `hotreload builds Go programs in which every function can be redirected at
run time (the standard library's and third-party code included).

Usage:
`
	usageOutro = `
With neither --pid nor --socket, status/apply/revert talk to the only hot
program of this user that is running.
`
)

// usage is the top-level usage: every verb's synopsis and summary.
func usage() string {
	var b strings.Builder
	b.WriteString(usageIntro)
	for _, v := range verbs() {
		fmt.Fprintf(&b, "  hotreload %s\n", strings.TrimSpace(v.name+" "+v.synopsis))
		for _, line := range strings.Split(v.summary, "\n") {
			fmt.Fprintf(&b, "        %s\n", line)
		}
	}
	b.WriteString(usageOutro)
	return b.String()
}

// misuse answers a wrong command line of verb name with its synopsis, and
// returns the exit code for it.
func misuse(stderr io.Writer, name string) int {
	for _, v := range verbs() {
		if v.name == name {
			synopsis := v.synopsis
			if v.misuse != "" {
				synopsis = v.misuse
			}
			fmt.Fprintf(stderr, "usage: hotreload %s %s\n", name, synopsis)
		}
	}
	return 2
}

// newFlagSet is the flag set of verb name: its errors and -h (the flag
// package's "Usage of NAME:") go to stderr, and a verb exits 2 on them.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// runCLI runs a subcommand and returns the exit code.
func runCLI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	// Whatever the verb, hotreload first makes sure it can name its own
	// executable, as the go command will run it (-toolexec).
	if _, ok := executable(stderr); !ok {
		return 1
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return 0
	}
	for _, v := range verbs() {
		if v.name == args[0] {
			return v.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "hotreload: unknown command %q\n\n%s", args[0], usage())
	return 2
}
