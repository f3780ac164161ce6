package fidelity

import "github.com/gohot/rules_go_hot/internal/hotevent"

// event is one event of `hotreload run --events=json`, decoded as any
// consumer of that public stream would (docs/EVENTS.md): by its documented
// field names, not by hotreload's own types, so the oracle also checks the
// documented contract (internal/hotevent, which the tests share).
type event = hotevent.Event

// The event kinds the oracle waits for.
const (
	evReady     = hotevent.Ready
	evKit       = hotevent.Kit
	evApplied   = hotevent.Applied
	evUnchanged = hotevent.Unchanged
	evRefused   = hotevent.Refused
	evError     = hotevent.Error
	evExit      = hotevent.Exit
)
