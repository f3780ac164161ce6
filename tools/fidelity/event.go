package fidelity

// event is one event of `hotreload run --events=json`, decoded as any
// consumer of that public stream would (docs/EVENTS.md): by its documented
// field names, not by hotreload's own types, so the oracle also checks the
// documented contract.
type event struct {
	Event     string   `json:"event"`
	Gen       int      `json:"gen"`
	Functions []string `json:"functions"`
	Notes     []string `json:"notes"`
	NotLive   []string `json:"not_live"`
	TotalMS   float64  `json:"total_ms"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Decl      string   `json:"decl"`
	Reason    string   `json:"reason"`
	Kind      string   `json:"kind"`
	Message   string   `json:"message"`
}

// The event kinds the oracle waits for.
const (
	evReady     = "ready"
	evKit       = "kit"
	evApplied   = "applied"
	evUnchanged = "unchanged"
	evRefused   = "refused"
	evError     = "error"
	evExit      = "exit"
)
