package hotsession

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/gohot/rules_go_hot/internal/hotevent"
)

// tailLines is how many of the last output lines a failure message shows.
const tailLines = 60

// listening is how the programs the tests run say where they listen.
var listening = regexp.MustCompile(`listening on http://(\S+)`)

// output is what a session's process printed: its events, the addresses
// it listens on, its standard output, and the tail of both streams.
type output struct {
	mu      sync.Mutex
	changed chan struct{} // closed, and replaced, on every new line
	events  []hotevent.Event
	addrs   []string
	stdout  []string
	tail    []string
	logf    func(string, ...any) // nil once quiet
}

func newOutput(logf func(string, ...any)) *output {
	return &output{changed: make(chan struct{}), logf: logf}
}

// record appends a line under the lock, logs it and wakes the waiters.
func (o *output) record(add func(), logLine string, show bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	add()
	if o.logf != nil && show {
		o.logf("%s", logLine)
	}
	close(o.changed)
	o.changed = make(chan struct{})
}

func (o *output) stdoutLine(line string) {
	o.record(func() {
		o.stdout = append(o.stdout, line)
		o.keep("stdout: " + line)
		if m := listening.FindStringSubmatch(line); m != nil {
			o.addrs = append(o.addrs, m[1])
		}
	}, "stdout: "+line, true)
}

func (o *output) stderrLine(line string) {
	e, before, ok := hotevent.Parse(line)
	if before != "" {
		o.record(func() { o.keep("stderr: " + before) }, "stderr: "+before, !bazelProgress(before))
	}
	if ok {
		o.record(func() { o.events = append(o.events, e) }, "event "+e.JSON, true)
	}
}

// bazelProgress tells Bazel's progress lines, which are not worth a log
// line each (they stay in the tail).
func bazelProgress(line string) bool {
	return strings.HasPrefix(line, "[") || strings.HasPrefix(line, "Loading") || strings.HasPrefix(line, "Analyzing")
}

// keep adds a line to the tail; o.mu is held.
func (o *output) keep(line string) {
	o.tail = append(o.tail, line)
	if len(o.tail) > 2*tailLines {
		o.tail = append([]string(nil), o.tail[len(o.tail)-tailLines:]...)
	}
}

// quiet stops the logging: the test may be over.
func (o *output) quiet() {
	o.mu.Lock()
	o.logf = nil
	o.mu.Unlock()
}

// snapshot returns what has been seen so far and a channel closed on the
// next line.
func (o *output) snapshot() (events []hotevent.Event, addrs, stdout []string, changed <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.events, o.addrs, o.stdout, o.changed
}

// recent is the last events and output lines, for a failure message.
func (o *output) recent() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	b.WriteString("last events:\n")
	for _, e := range o.events[max(0, len(o.events)-10):] {
		fmt.Fprintf(&b, "  %s\n", e.JSON)
	}
	b.WriteString("last output:\n")
	for _, l := range o.tail[max(0, len(o.tail)-tailLines):] {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	return b.String()
}

// lineWriter hands each line written to it to line. exec.Cmd writes to
// it from one goroutine per stream.
type lineWriter struct {
	buf  []byte
	line func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.line(strings.TrimSuffix(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
}
