package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// keygenVerb is `hotreload keygen -o PREFIX`: a new ed25519 key pair for
// signed patches, PREFIX.key (private, 0600) and PREFIX.pub. It never
// overwrites a file.
func keygenVerb(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keygen", stderr)
	prefix := fs.String("o", "", "write the private key to PREFIX.key (mode 0600) and the public key to PREFIX.pub")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *prefix == "" || fs.NArg() != 0 {
		return misuse(stderr, "keygen")
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "hotreload keygen: %v\n", err)
		return 1
	}
	keyFile, pubFile := *prefix+".key", *prefix+".pub"
	for _, f := range []string{keyFile, pubFile} {
		if _, err := os.Lstat(f); err == nil {
			return fail(fmt.Errorf("%s exists: hotreload keygen never overwrites a key (binaries may trust it); choose another -o or remove it yourself", f))
		}
	}
	// A new directory for keys is closed to others.
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return fail(err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fail(err)
	}
	if err := writeNew(keyFile, protocol.FormatPrivateKey(priv)+"\n", 0o600); err != nil {
		return fail(err)
	}
	if err := writeNew(pubFile, protocol.FormatPublicKey(pub)+"\n", 0o644); err != nil {
		os.Remove(keyFile)
		return fail(err)
	}
	fmt.Fprintf(stdout, "key %s\n  private: %s (mode 0600: keep it secret, outside any repository; it signs patches: hotreload sign --key %s patch.so)\n  public:  %s (build binaries that trust it: hotreload build --trusted-key %s, or go_hot_binary's trusted_key)\n",
		protocol.KeyID(pub), keyFile, keyFile, pubFile, pubFile)
	if repo := gitRepoOf(keyFile); repo != "" {
		fmt.Fprintf(stderr, "hotreload keygen: warning: %s is inside the git repository %s: move it out (a private key in a repository is a key anyone with the repository can sign with)\n", keyFile, repo)
	}
	return 0
}

// writeNew creates path (never an existing file, nor through a symbolic
// link) with mode perm and writes content to it.
func writeNew(path, content string, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists: hotreload keygen never overwrites a key; choose another -o or remove it yourself", path)
		}
		return err
	}
	// The umask can only take permissions away; make the mode exact.
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.WriteString(content)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// gitRepoOf returns the top directory of the git work tree that holds
// path, or "".
func gitRepoOf(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}
