package inject

import (
	"crypto/ed25519"
	"crypto/rand"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// TestOverlayTrusted: in signed mode the generated base table file also
// sets the agent's trusted key; a malformed key is refused, never dropped.
func TestOverlayTrusted(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	main := filepath.Join(mod, "cmd", "app")
	table := func(work string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(work, "agent-src", "agent", protocol.BaseTableFile))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), protocol.BaseTableFile, b, 0); err != nil {
			t.Errorf("generated file is not Go: %v\n%s", err, b)
		}
		return string(b)
	}

	work := t.TempDir()
	key := protocol.FormatPublicKey(pub)
	if _, err := OverlayTrusted(work, mod, "example.com/plain", main, map[string]string{"example.com/plain/cmd/app": "h1"}, "  "+key+"\n"); err != nil {
		t.Fatal(err)
	}
	src := table(work)
	if !strings.Contains(src, "\ttrustedKey = \""+key+"\"\n") || !strings.Contains(src, `"example.com/plain/cmd/app": "h1",`) {
		t.Errorf("signed mode base table:\n%s", src)
	}

	work = t.TempDir()
	if _, err := Overlay(work, mod, "example.com/plain", main, nil); err != nil {
		t.Fatal(err)
	}
	if src := table(work); strings.Contains(src, "trustedKey") {
		t.Errorf("unsigned mode sets a key:\n%s", src)
	}

	for _, bad := range []string{"gohot-ed25519-public AAAA", protocol.FormatPrivateKey(priv), "x"} {
		if _, err := OverlayTrusted(t.TempDir(), mod, "example.com/plain", main, nil, bad); err == nil || !strings.Contains(err.Error(), "trusted key") {
			t.Errorf("OverlayTrusted(%q) = %v, want a refusal", bad, err)
		}
	}
}
