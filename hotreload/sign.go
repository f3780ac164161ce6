package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// signVerb is `hotreload sign --key FILE patch.so`: it writes patch.so.sig,
// the key's signature of the exact bytes of the patch's manifest
// (patch.so.json), after checking that the manifest vouches for this
// plugin (its sha256 and size). A binary built with the matching public
// key (--trusted-key) loads only patches signed so.
func signVerb(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sign", stderr)
	keyFile := fs.String("key", "", "the private key file (hotreload keygen's PREFIX.key; mode 0600)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *keyFile == "" || fs.NArg() != 1 {
		return misuse(stderr, "sign")
	}
	plugin := fs.Arg(0)
	fail := func(err error) int {
		fmt.Fprintf(stderr, "hotreload sign: %v\n", err)
		return 1
	}
	priv, err := protocol.ReadPrivateKey(*keyFile)
	if err != nil {
		return fail(err)
	}
	mpath := protocol.ManifestPath(plugin)
	data, err := readBounded(mpath, maxManifest)
	if err != nil {
		return fail(fmt.Errorf("the patch's manifest: %v (a patch is plugin.so plus plugin.so.json)", err))
	}
	// What sign needs of the manifest (the agent checks the rest).
	var m struct {
		PatchID string `json:"patch_id"`
		SHA256  string `json:"sha256"`
		Size    int64  `json:"size"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return fail(fmt.Errorf("manifest %s: %v", mpath, err))
	}
	if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != sha256.Size || m.Size <= 0 {
		return fail(fmt.Errorf("manifest %s does not record its plugin's sha256 and size, so a signature of it would not cover the plugin: rebuild the patch with this hotreload", mpath))
	}
	sum, size, err := digest(plugin)
	if err != nil {
		return fail(err)
	}
	if sum != m.SHA256 || size != m.Size {
		return fail(fmt.Errorf("%s is not the plugin its manifest vouches for (manifest: sha256 %s, %d bytes; file: sha256 %s, %d bytes): it was replaced after the manifest was written; rebuild the patch, and sign what you built", plugin, m.SHA256, m.Size, sum, size))
	}
	sig := protocol.Sign(priv, data)
	spath := protocol.SignaturePath(plugin)
	if err := writeAtomic(spath, sig, 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "signed %s (patch %s) with key %s: %s\n", plugin, m.PatchID, protocol.SignatureKeyID(sig), spath)
	if repo := gitRepoOf(*keyFile); repo != "" {
		fmt.Fprintf(stderr, "hotreload sign: warning: the private key %s is inside the git repository %s: move it out (a private key in a repository is a key anyone with the repository can sign with)\n", *keyFile, repo)
	}
	return 0
}

// maxManifest bounds the manifest read (the agent's own limit is 1 MB).
const maxManifest = 1 << 20

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

func digest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// writeAtomic writes path through a temporary file renamed into place: a
// watcher never reads half a signature.
func writeAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sig-*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
