package toolexec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
)

// vet runs the vet tool on the instrumented sources of a package. Vet type
// checks the package's sources against its dependencies' export data, which
// comes from instrumented compiles; code that uses generated names (a test
// that mocks a function through its slot) only type checks rewritten. What
// vet reports about generated declarations is dropped: it is ours, not the
// user's.
func vet(args []string, stdout, stderr io.Writer) int {
	cfgPath := args[len(args)-1]
	if !strings.HasSuffix(cfgPath, ".cfg") {
		return run(args, nil, stdout, stderr)
	}
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	var cfg map[string]json.RawMessage
	var fields struct {
		ImportPath string
		GoFiles    []string
		GoVersion  string
	}
	if json.Unmarshal(data, &cfg) != nil || json.Unmarshal(data, &fields) != nil || len(fields.GoFiles) == 0 {
		return run(args, nil, stdout, stderr)
	}
	// vet checks what the compiler compiled: the same rewrite (vet's
	// ImportPath is the package's -p).
	res, err := instrument.Rewrite(instrument.Settings{LinkPath: fields.ImportPath, Lang: fields.GoVersion}, fields.GoFiles)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	} else if err != nil {
		return run(args, nil, stdout, stderr) // vet reports the syntax error
	}
	st, err := stage(fields.GoFiles, res, func(file string) string { return file })
	if err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	defer os.RemoveAll(st.tmp)
	goFiles, _ := json.Marshal(st.paths)
	cfg["GoFiles"] = goFiles
	// The rewrite may import unsafe where the package did not.
	var importMap map[string]string
	if json.Unmarshal(cfg["ImportMap"], &importMap) == nil {
		if importMap == nil {
			importMap = map[string]string{}
		}
		importMap["unsafe"] = "unsafe"
		cfg["ImportMap"], _ = json.Marshal(importMap)
	}
	newCfg, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(st.tmp, "vet.cfg")
	if err := os.WriteFile(cfgFile, newCfg, 0o644); err != nil {
		fmt.Fprintf(stderr, "gohot: %v\n", err)
		return 2
	}
	newArgs := append(append([]string(nil), args[:len(args)-1]...), cfgFile)
	var out, errOut bytes.Buffer
	code := run(newArgs, st.filter, &out, &errOut)
	dropped := false
	for _, w := range []struct {
		b   *bytes.Buffer
		out io.Writer
	}{{&out, stdout}, {&errOut, stderr}} {
		for _, line := range strings.SplitAfter(w.b.String(), "\n") {
			if strings.Contains(line, ".hot.go:") {
				dropped = true
				continue
			}
			io.WriteString(w.out, line)
		}
	}
	if code == 1 && dropped && !strings.Contains(out.String()+errOut.String(), ".go:") {
		// Vet failed only on generated code.
		return 0
	}
	return code
}
