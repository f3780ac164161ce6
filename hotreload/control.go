package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// A controlVerb is status, apply or revert: a client of a running
// program's reload agent.
type controlVerb struct {
	name string
	// request is what to ask the agent, made of the arguments left after
	// the flags; ok is false on a misuse, which it has reported.
	request func(args []string, stderr io.Writer) (req protocol.Request, ok bool)
	// report words a successful answer (without --json).
	report func(stdout io.Writer, r *protocol.Response)
}

// run parses the flags the control verbs share, reaches the agent, sends
// it the verb's request and prints the answer.
func (v controlVerb) run(args []string, stdout, stderr io.Writer) int {
	verb := v.name
	fs := newFlagSet(verb, stderr)
	pid := fs.Int("pid", 0, "the hot program's process id")
	socket := fs.String("socket", "", "the agent's socket (default: found by --pid, or the only running hot program)")
	asJSON := fs.Bool("json", false, "print the agent's answer as JSON (a refusal too)")
	timeout := fs.Duration("timeout", protocol.DefaultTimeout, "how long to wait for the agent's answer (a stopped or wedged process never answers)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	path, err := findSocket(*pid, *socket)
	if err != nil {
		fmt.Fprintf(stderr, "hotreload %s: %v\n", verb, err)
		return 1
	}
	c, err := protocol.Dial(path)
	if err != nil {
		fmt.Fprintf(stderr, "hotreload %s: cannot reach the agent at %s: %v\n", verb, path, err)
		return 1
	}
	defer c.Close()
	c.Timeout = *timeout
	req, ok := v.request(fs.Args(), stderr)
	if !ok {
		return 2
	}
	var resp *protocol.Response
	if req.Op == protocol.OpApply {
		// Apply resolves the path and names the generation on a timeout.
		resp, err = c.Apply(req.Plugin)
	} else {
		resp, err = c.Do(req)
	}
	if resp == nil { // no answer; a refusal is an answer, printed below
		fmt.Fprintf(stderr, "hotreload %s: %v\n", verb, err)
		return 1
	}
	switch {
	case *asJSON:
		b, _ := json.Marshal(resp)
		fmt.Fprintln(stdout, string(b))
	case !resp.OK:
		fmt.Fprintf(stderr, "hotreload %s: refused (%s): %s\n", verb, resp.Code, resp.Error)
	default:
		v.report(stdout, resp)
	}
	if !resp.OK {
		return 1
	}
	return 0
}

// printNotes prints what the agent found the program will not show by
// itself (goroutines still inside replaced code), one line each, as the
// launcher's human output does.
func printNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(w, "  note: %s\n", strings.Join(strings.Fields(n), " "))
	}
}

// findSocket picks the agent to talk to.
func findSocket(pid int, socket string) (string, error) {
	switch {
	case socket != "":
		return socket, nil
	case pid != 0:
		return protocol.FindSocket(pid)
	}
	socks, err := protocol.ListSockets()
	if err != nil {
		return "", err
	}
	switch len(socks) {
	case 0:
		return "", fmt.Errorf("no running hot program found (in %s); start one with hotreload run, or give --pid or --socket", protocol.SocketDir())
	case 1:
		return socks[0].Path, nil
	}
	var pids []string
	for _, s := range socks {
		pids = append(pids, strconv.Itoa(s.PID))
	}
	return "", fmt.Errorf("several hot programs are running (pids %s): choose one with --pid", strings.Join(pids, ", "))
}
