package launcher

import "github.com/gohot/rules_go_hot/hotreload/internal/events"

// restart rebuilds the base from the current sources and restarts the
// program (--restart-on-rude, on an edit no patch can take): its
// in-memory state is lost.
func (r *run) restart(reason string) (int, bool) {
	r.emit(events.Event{Event: events.Restart, Reason: reason})
	r.stop()
	r.stopKit() // the old base's kit, if still recording
	if code, ok := r.begin(); !ok {
		return code, true
	}
	return 0, false
}
