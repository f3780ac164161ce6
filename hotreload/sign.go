package main

import (
	"fmt"
	"io"

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
	data, err := protocol.ReadFileLimit(mpath, protocol.MaxManifestSize)
	if err != nil {
		return fail(fmt.Errorf("the patch's manifest: %v (a patch is plugin.so plus plugin.so.json)", err))
	}
	m, err := protocol.ParseManifest(data, mpath)
	if err != nil {
		return fail(err)
	}
	if err := m.Vouches(plugin); err != nil {
		return fail(fmt.Errorf("%v: rebuild the patch, and sign what you built", err))
	}
	sig := protocol.Sign(priv, data)
	spath := protocol.SignaturePath(plugin)
	if err := protocol.WriteFileAtomic(spath, sig, 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "signed %s (patch %s) with key %s: %s\n", plugin, m.PatchID, protocol.SignatureKeyID(sig), spath)
	if repo := gitRepoOf(*keyFile); repo != "" {
		fmt.Fprintf(stderr, "hotreload sign: warning: the private key %s is inside the git repository %s: move it out (a private key in a repository is a key anyone with the repository can sign with)\n", *keyFile, repo)
	}
	return 0
}
