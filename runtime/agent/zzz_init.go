package agent

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// This init lives in the file that sorts last: the go command hands a
// package's files to the compiler in name order, and inits run in that
// order, so the launcher's generated zz_gohot_base.go has set
// basePackages before the agent starts taking requests.
func init() {
	if os.Getenv(protocol.EnvAgent) == "off" {
		return
	}
	opts := EnvOptions()
	if _, err := Start(opts); err != nil && err != ErrOtherCopy {
		r := protocol.Response{Event: protocol.EventError, Code: protocol.CodeStart, Error: "agent not started: " + err.Error()}
		if opts.JSONEvents {
			data, _ := json.Marshal(r)
			fmt.Fprintf(os.Stderr, "%s\n", data)
		} else {
			fmt.Fprintf(os.Stderr, "hotreload: %s\n", r.Error)
		}
	}
}
