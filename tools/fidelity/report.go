package fidelity

import (
	"fmt"
	"io"
	"strings"
)

// Counts tallies a report's classes.
func (r *Report) Counts() map[Class]int {
	c := map[Class]int{}
	for _, x := range r.Results {
		c[x.Class]++
	}
	return c
}

// Failures lists what fails the oracle's targets, one line each.
func (r *Report) Failures() []string {
	var out []string
	if r.Problem != "" {
		out = append(out, fmt.Sprintf("%s: cannot run: %s", r.Program, firstLine(r.Problem)))
	}
	if r.Baseline != "" {
		out = append(out, fmt.Sprintf("%s: the unmodified program answers unlike its plain build: %s", r.Program, r.Baseline))
	}
	for _, x := range r.Results {
		switch {
		case x.Class.Bad():
			out = append(out, fmt.Sprintf("%s/%s: %s: %s%s", r.Program, x.Edit, x.Class, x.Diff, firstLine(x.Problem)))
		case x.Unseen:
			out = append(out, fmt.Sprintf("%s/%s: the corpus does not observe this edit (add a probe that sees it)", r.Program, x.Edit))
		case !x.ReasonOK:
			out = append(out, fmt.Sprintf("%s/%s: expected a reason the event did not give; got %q", r.Program, x.Edit, x.Reasons))
		case !x.UndoOK:
			out = append(out, fmt.Sprintf("%s/%s: undo (%s) did not restore the original answers: %s", r.Program, x.Edit, x.Undo, x.UndoDiff))
		}
	}
	return out
}

// classOrder is the column order of the summary.
var classOrder = []Class{Faithful, Noted, Different, Refused, Error, Crash, Hang, Harness}

// Markdown writes the results of reports as tables.
func Markdown(w io.Writer, reports []*Report) {
	fmt.Fprintf(w, "| program | edits | %s | expectation met | undo restores |\n", joinClasses(" | "))
	fmt.Fprintf(w, "|---|---|%s---|---|\n", strings.Repeat("---|", len(classOrder)))
	for _, r := range reports {
		c := r.Counts()
		met, undo := 0, 0
		for _, x := range r.Results {
			if expectationMet(x) {
				met++
			}
			if x.UndoOK {
				undo++
			}
		}
		var cells []string
		for _, k := range classOrder {
			cells = append(cells, fmt.Sprint(c[k]))
		}
		fmt.Fprintf(w, "| %s | %d | %s | %d | %d |\n", r.Program, len(r.Results), strings.Join(cells, " | "), met, undo)
	}
	for _, r := range reports {
		fmt.Fprintf(w, "\n### %s (`%s`)\n\n", r.Program, r.Module)
		if r.Problem != "" {
			fmt.Fprintf(w, "Could not run: `%s`\n", firstLine(r.Problem))
			continue
		}
		fmt.Fprintf(w, "Cold start (hot build + patch kit): %.0f s. ", r.StartS)
		if r.Baseline == "" {
			fmt.Fprintf(w, "Unmodified: the hot build answers as the plain build.\n\n")
		} else {
			fmt.Fprintf(w, "Unmodified: the hot build answers UNLIKE the plain build: %s\n\n", r.Baseline)
		}
		fmt.Fprintln(w, "| edit | kind | save | expected | event | class | undo | patch ms | detail |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
		for _, x := range r.Results {
			undo := x.Undo
			if !x.UndoOK {
				undo += " (DIFFERS)"
			}
			ms := ""
			if x.PatchMS > 0 {
				ms = fmt.Sprintf("%.0f", x.PatchMS)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", x.Edit, x.Kind, x.Save, x.Expect, x.Event, x.Class, undo, ms, cell(detail(x)))
		}
	}
}

func expectationMet(x *Result) bool {
	switch x.Expect {
	case "applied":
		return x.Class == Faithful
	case "noted":
		// Said, and not visible (or not seen by the probes: answering as
		// a fresh build does is never wrong).
		return x.Class == Noted || x.Class == Faithful && len(x.NotLive) > 0
	case "unchanged":
		return x.Class == Faithful && x.Event == "unchanged"
	case "refused":
		return x.Class == Refused && x.ReasonOK
	case "error":
		return x.Class == Error && x.ReasonOK
	}
	return false
}

func detail(x *Result) string {
	var parts []string
	if x.Diff != "" {
		parts = append(parts, x.Diff)
	}
	parts = append(parts, x.NotLive...)
	if x.Class == Refused || x.Class == Error {
		parts = append(parts, x.Reasons...)
	}
	if x.Unseen {
		parts = append(parts, "UNSEEN: the probes answer as before the edit, even on a fresh build")
	}
	if !x.ReasonOK {
		parts = append(parts, "EXPECTED REASON NOT GIVEN")
	}
	if x.Problem != "" && x.Class.Bad() {
		parts = append(parts, firstLine(x.Problem))
	}
	return strings.Join(parts, "; ")
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}

func joinClasses(sep string) string {
	var s []string
	for _, c := range classOrder {
		s = append(s, string(c))
	}
	return strings.Join(s, sep)
}
