package patcher

import (
	"bytes"
	"os/exec"
	"sync"
)

// moldFlag makes gcc, the C linker a plugin's link ends with, use mold
// instead of GNU ld: a plugin-mode patch of go-httpbin (16 MB) links in
// ~1.1 s instead of ~1.5 s (docs/PATCH-LINKING.md, External linker).
// Shared-mode patches keep GNU ld: the go command strips them (-w, which
// becomes -Wl,-S) and mold then drops the symbol table the agent checks.
var moldFlag = "-fuse-ld=mold"

// useMold says whether plugin links try mold first (moldUsable; tests
// replace it).
var useMold = moldUsable

// moldUsable says whether gcc links with mold here: mold is installed
// (apt install mold) and gcc knows -fuse-ld=mold (gcc 12.1 and later).
// Asked once per process.
var moldUsable = sync.OnceValue(func() bool {
	if _, err := exec.LookPath("mold"); err != nil {
		return false
	}
	out, err := exec.Command("gcc", moldFlag, "-Wl,--version").CombinedOutput()
	return err == nil && bytes.Contains(out, []byte("mold"))
})
