// Package runtime carries the sources of the reload agent, which the
// hotreload tool injects into every program it builds: the program's module
// needs no dependency on this one. Its importers name it hotruntime (it is
// not the standard library's runtime).
package runtime

import "embed"

// AgentSources holds runtime/agent and runtime/agent/protocol (tests and
// testdata included; the injector leaves them out).
//
//go:embed agent/*.go agent/protocol/*.go
var AgentSources embed.FS

// AgentImportPath is the agent's import path in this module; injected
// copies get one inside the program's own module.
const AgentImportPath = "github.com/gohot/rules_go_hot/runtime/agent"
