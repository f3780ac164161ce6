package main

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
	hotruntime "github.com/gohot/rules_go_hot/runtime"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// trustedKeyVar is the agent's variable that holds the public key of a
// binary in signed mode, as the linker's -X names it.
const trustedKeyVar = hotruntime.AgentImportPath + ".trustedKey"

// buildVerb is `hotreload build`: go build with every package
// instrumented, cgo on and external linking, as a plugin host needs.
// With --trusted-key the binary's agent loads only patches signed by the
// matching private key.
func buildVerb(args []string, stdout, stderr io.Writer) int {
	self, ok := executable(stderr)
	if !ok {
		return 1
	}
	verbose, trusted, hasTrusted := false, "", false
	for len(args) > 0 {
		a := args[0]
		switch {
		case a == "-v" || a == "--verbose":
			verbose, args = true, args[1:]
			continue
		case a == "-trusted-key" || a == "--trusted-key":
			if len(args) < 2 {
				return misuse(stderr, "build")
			}
			trusted, hasTrusted, args = args[1], true, args[2:]
			continue
		case strings.HasPrefix(a, "-trusted-key=") || strings.HasPrefix(a, "--trusted-key="):
			trusted, hasTrusted, args = a[strings.IndexByte(a, '=')+1:], true, args[1:]
			continue
		}
		break
	}
	var key, out string
	if hasTrusted {
		var err error
		if key, err = trustedKeyText(trusted); err != nil {
			fmt.Fprintf(stderr, "hotreload build: --trusted-key: %v\n", err)
			return 1
		}
		if out = outputFlag(args); out == "" || strings.HasSuffix(out, "/") {
			fmt.Fprintf(stderr, "hotreload build: --trusted-key needs -o naming the binary file (hotreload checks that the key is in it)\n")
			return 2
		}
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			fmt.Fprintf(stderr, "hotreload build: --trusted-key needs -o naming the binary file, and %s is a directory\n", out)
			return 2
		}
		args = gocmd.WithLdflag(args, fmt.Sprintf("-X '%s=%s'", trustedKeyVar, key))
	}
	hotBuildDefaults()
	useHotCompiler(stderr)
	if code := gocmd.Run(gocmd.Command(self, "build", args, true), stderr, verbose); code != 0 || key == "" {
		return code
	}
	// A program that does not link the agent under its own import path
	// (or link flags that override ours) would run unsigned: check what
	// the linker set.
	if got, err := linkedString(out, trustedKeyVar); err != nil || got != key {
		os.Remove(out)
		why := "the program must import " + hotruntime.AgentImportPath + " (and -ldflags must apply to its main package)"
		if err != nil {
			why = err.Error() + ": " + why
		}
		fmt.Fprintf(stderr, "hotreload build: the trusted key did not make it into %s (removed): %s\n", out, why)
		return 1
	}
	if pub, err := protocol.ParsePublicKey(key); err == nil {
		fmt.Fprintf(stderr, "hotreload build: %s loads only patches signed by key %s\n", out, protocol.KeyID(pub))
	}
	return 0
}

// trustedKeyText returns the public key of --trusted-key's value: a
// public key file, or the key's text itself.
func trustedKeyText(v string) (string, error) {
	if strings.HasPrefix(strings.TrimSpace(v), protocol.PublicKeyPrefix+" ") || strings.HasPrefix(strings.TrimSpace(v), protocol.PrivateKeyPrefix+" ") {
		pub, err := protocol.ParsePublicKey(v)
		if err != nil {
			return "", err
		}
		return protocol.FormatPublicKey(pub), nil
	}
	pub, err := protocol.ReadPublicKey(v)
	if err != nil {
		return "", err
	}
	return protocol.FormatPublicKey(pub), nil
}

// outputFlag returns the value of go build's -o flag in args, or "".
func outputFlag(args []string) string {
	out := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			break
		}
		switch {
		case a == "-o" || a == "--o":
			if i+1 < len(args) {
				out = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "-o=") || strings.HasPrefix(a, "--o="):
			out = a[strings.IndexByte(a, '=')+1:]
		case !strings.Contains(a, "=") && gocmd.TakesValue[strings.TrimLeft(a, "-")]:
			i++ // the flag's value
		}
	}
	return out
}

// linkedString returns the value the linker's -X gave the string variable
// name in the executable at path: the content of the symbol name+".str"
// the linker creates for it (only for a variable the program links).
func linkedString(path, name string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return "", fmt.Errorf("no symbol table to check (was it linked with -s?)")
	}
	for _, sym := range syms {
		if sym.Name != name+".str" {
			continue
		}
		for _, sec := range f.Sections {
			if sec.Type == elf.SHT_NOBITS || sym.Value < sec.Addr || sym.Value+sym.Size > sec.Addr+sec.Size {
				continue
			}
			b := make([]byte, sym.Size)
			if _, err := sec.ReadAt(b, int64(sym.Value-sec.Addr)); err != nil {
				return "", err
			}
			return strings.TrimSuffix(string(b), "\x00"), nil // the linker ends it with a NUL
		}
	}
	return "", fmt.Errorf("it does not link %s", name)
}
