package hotsession

import (
	"fmt"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/internal/hotevent"
)

// Next returns the next event, whatever its kind, failing if none comes
// within timeout or the command ends first.
func (s *Session) Next(timeout time.Duration) hotevent.Event {
	s.t.Helper()
	e, err := s.next(time.Now().Add(timeout))
	if err != nil {
		s.fail("waiting %v for an event: %v", timeout, err)
	}
	return e
}

// next returns the next event, or why there is none by the deadline.
func (s *Session) next(deadline time.Time) (hotevent.Event, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		events, _, _, changed := s.out.snapshot()
		if s.nextEvent < len(events) {
			s.nextEvent++
			return events[s.nextEvent-1], nil
		}
		if how := s.ended(); how != "" {
			return hotevent.Event{}, fmt.Errorf("the command ended (%s)", how)
		}
		select {
		case <-changed:
		case <-s.exited:
		case <-timer.C:
			return hotevent.Event{}, fmt.Errorf("none came")
		}
	}
}

// Await returns the next event of kind, skipping others, within timeout.
// An error, a refusal or the program's exit fails the test unless it is
// the kind awaited. A ready event sets PID, and Addr looks for the
// address the program prints next.
func (s *Session) Await(kind string, timeout time.Duration) hotevent.Event {
	s.t.Helper()
	e, err := s.await(kind, func(hotevent.Event) bool { return true }, timeout)
	if err != nil {
		s.fail("%v", err)
	}
	return e
}

// await is Await with a test of the event, returning the failure.
func (s *Session) await(kind string, match func(hotevent.Event) bool, timeout time.Duration) (hotevent.Event, error) {
	deadline := time.Now().Add(timeout)
	for {
		e, err := s.next(deadline)
		if err != nil {
			return hotevent.Event{}, fmt.Errorf("waiting %v for %s: %v", timeout, kind, err)
		}
		if e.Event == kind && match(e) {
			if kind == hotevent.Ready {
				s.PID, s.addr = e.PID, ""
			}
			return e, nil
		}
		if e.Event != kind && (e.Event == hotevent.Error || e.Event == hotevent.Refused || e.Event == hotevent.Exit) {
			return hotevent.Event{}, fmt.Errorf("waiting for %s, got %s", kind, e.JSON)
		}
	}
}

// Ready awaits the ready event and the address the program then prints.
func (s *Session) Ready(timeout time.Duration) hotevent.Event {
	s.t.Helper()
	e := s.Await(hotevent.Ready, timeout)
	s.Addr()
	return e
}

// Addr is where the program listens: the host:port of its "listening on
// http://..." line on standard output, one per ready program (a restart
// prints a new one). It waits AddrTimeout for the line.
func (s *Session) Addr() string {
	s.t.Helper()
	if s.addr != "" {
		return s.addr
	}
	timer := time.NewTimer(AddrTimeout)
	defer timer.Stop()
	for {
		_, addrs, _, changed := s.out.snapshot()
		if s.addrsUsed < len(addrs) {
			s.addr = addrs[s.addrsUsed]
			s.addrsUsed++
			return s.addr
		}
		select {
		case <-changed:
		case <-timer.C:
			s.fail("the program did not say where it listens (no new \"listening on http://...\" line within %v)", AddrTimeout)
		}
	}
}

// AwaitOutput waits until the program has printed a line containing want
// on its standard output (at any time since it started).
func (s *Session) AwaitOutput(want string, timeout time.Duration) {
	s.t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		_, _, stdout, changed := s.out.snapshot()
		for _, l := range stdout {
			if strings.Contains(l, want) {
				return
			}
		}
		if how := s.ended(); how != "" {
			s.fail("the command ended (%s) before the program printed %q", how, want)
		}
		select {
		case <-changed:
		case <-s.exited:
		case <-timer.C:
			s.fail("the program did not print %q within %v", want, timeout)
		}
	}
}
