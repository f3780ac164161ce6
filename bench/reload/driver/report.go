package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// report prints the tables of every target.
func report(res *Results) {
	w := os.Stdout
	fmt.Fprintf(w, "\nreload benchmark — %s, %d CPU (%s), load %s → %s\n", res.Meta.GoVersion, res.Meta.NumCPU, res.Meta.CPU, res.Meta.LoadStart, res.Meta.LoadEnd)
	for _, tr := range res.Targets {
		t := tr.Target
		fmt.Fprintf(w, "\n## %s — %s; edited: %s\n\n", t.Name, t.Comment, t.Func)
		for _, e := range tr.Errors {
			fmt.Fprintf(w, "ERROR: %s\n", e)
		}
		latencyTable(w, tr)
		if h := tr.Hot; h != nil && len(h.Edits) > 0 {
			memoryTable(w, h, tr.Restart)
		}
		if b := tr.Breakdown; b != nil {
			breakdownTable(w, b)
		}
	}
	fmt.Fprintf(w, "\nraw numbers: %s\n", *outFile)
}

// latencyRow prints a row of the latency table: the distribution of xs, in
// whole milliseconds; nothing if xs is empty.
func latencyRow(w io.Writer, name string, xs []float64) {
	if len(xs) == 0 {
		return
	}
	s := summarize(xs)
	fmt.Fprintf(w, "| %-44s | %5d | %8.0f | %8.0f | %8.0f | %8.0f |\n", name, len(xs), s.Median, s.P90, s.Min, s.Max)
}

// column is one number of every element of xs.
func column[T any](xs []T, f func(T) float64) []float64 {
	var col []float64
	for _, x := range xs {
		col = append(col, f(x))
	}
	return col
}

// latencyTable prints the edit → served times of the hot session and of
// the restart series, and their parts.
func latencyTable(w io.Writer, tr *TargetResult) {
	fmt.Fprintf(w, "| %-44s | %5s | %8s | %8s | %8s | %8s |\n", "ms", "n", "median", "p90", "min", "max")
	fmt.Fprintf(w, "|%s|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 46), strings.Repeat("-", 7), strings.Repeat("-", 10), strings.Repeat("-", 10), strings.Repeat("-", 10), strings.Repeat("-", 10))
	if h := tr.Hot; h != nil && len(h.Edits) > 0 {
		hotRows(w, h.Edits)
	}
	for _, rr := range []*RestartResult{tr.Restart, tr.HotRestart} {
		if rr == nil || len(rr.Rounds) == 0 {
			continue
		}
		col := func(f func(RestartRound) float64) []float64 { return column(rr.Rounds, f) }
		p := "restart (" + rr.Mode + ")"
		latencyRow(w, p+": edit → served", col(func(r RestartRound) float64 { return r.ServedMS }))
		latencyRow(w, "  "+rr.Mode, col(func(r RestartRound) float64 { return r.BuildMS }))
		latencyRow(w, "  stop old process", col(func(r RestartRound) float64 { return r.StopMS }))
		latencyRow(w, "  exec → listening", col(func(r RestartRound) float64 { return r.ListenMS }))
		latencyRow(w, "  listening → first answer", col(func(r RestartRound) float64 { return r.AnswerMS }))
	}
}

// hotRows are the latency table's rows of a hot session's edits.
func hotRows(w io.Writer, edits []HotEdit) {
	col := func(f func(HotEdit) float64) []float64 { return column(edits, f) }
	latencyRow(w, "hot: edit → new value served (HTTP)", col(func(e HotEdit) float64 { return e.ServedMS }))
	latencyRow(w, "hot:   edit → change event (watch debounce)", col(func(e HotEdit) float64 { return e.ChangeMS }))
	latencyRow(w, "hot:   event total_ms (change → applied)", col(func(e HotEdit) float64 { return e.TotalMS }))
	latencyRow(w, "hot:   event build_ms (generate+compile+link)", col(func(e HotEdit) float64 { return e.BuildMS }))
	latencyRow(w, "hot:   event load_ms (verify + plugin.Open)", col(func(e HotEdit) float64 { return e.LoadMS }))
	apply := summarize(col(func(e HotEdit) float64 { return e.ApplyMS }))
	fmt.Fprintf(w, "| %-44s | %5d | %8.2f | %8.2f | %8.2f | %8.2f |\n", "hot:   event apply_ms (the switch)", len(edits), apply.Median, apply.P90, apply.Min, apply.Max)
	if len(edits) > 1 {
		fmt.Fprintf(w, "| %-44s | %5d | %8.0f | %8s | %8s | %8s |\n", "hot: first edit served", 1, edits[0].ServedMS, "", "", "")
		latencyRow(w, "hot: edits 2.. served", col(func(e HotEdit) float64 { return e.ServedMS })[1:])
	}
}

// rssDeltas are the per-patch changes of one memory number: the first
// patch's, the later ones', and the slope of a line fit over all patches.
func rssDeltas(h *HotResult, f func(RSS) int64) (first float64, later []float64, slope float64) {
	var xs, ys []float64
	prev := f(h.Baseline)
	for i, e := range h.Edits {
		d := float64(f(e.RSS) - prev)
		prev = f(e.RSS)
		if i == 0 {
			first = d
		} else {
			later = append(later, d)
		}
		xs = append(xs, float64(i+1))
		ys = append(ys, float64(f(e.RSS)))
	}
	slope, _ = linfit(xs, ys)
	return
}

// memoryTable prints the memory a hot session's patches cost, their sizes,
// and the state kept (against the restart's, which loses it).
func memoryTable(w io.Writer, h *HotResult, restart *RestartResult) {
	last := h.Edits[len(h.Edits)-1]
	fmt.Fprintf(w, "\nRSS (kB): baseline %d, after %d patches %d (+%d)\n", h.Baseline.VmRSSKB, len(h.Edits), last.RSS.VmRSSKB, last.RSS.VmRSSKB-h.Baseline.VmRSSKB)
	fmt.Fprintf(w, "| %-36s | %8s | %14s | %10s |\n", "per patch, kB", "first", "later: median", "fit slope")
	fmt.Fprintf(w, "|%s|%s|%s|%s|\n", strings.Repeat("-", 38), strings.Repeat("-", 10), strings.Repeat("-", 16), strings.Repeat("-", 12))
	for _, f := range []struct {
		name string
		f    func(RSS) int64
	}{
		{"VmRSS", func(r RSS) int64 { return r.VmRSSKB }},
		{"  RssAnon (private memory)", func(r RSS) int64 { return r.RssAnonKB }},
		{"  RssFile (file pages, reclaimable)", func(r RSS) int64 { return r.RssFileKB }},
		{"patch .so mappings: resident", func(r RSS) int64 { return r.PatchRssKB }},
		{"patch .so mappings: mapped size", func(r RSS) int64 { return r.PatchSizeKB }},
	} {
		first, later, slope := rssDeltas(h, f.f)
		fmt.Fprintf(w, "| %-36s | %8.0f | %14.0f | %10.0f |\n", f.name, first, median(later), slope)
	}
	ss := summarize(column(h.Edits, func(e HotEdit) float64 { return float64(e.PluginSize) / 1024 }))
	fmt.Fprintf(w, "patch .so file: median %.0f kB (min %.0f, max %.0f); patches directory %.1f MB after %d patches\n", ss.Median, ss.Min, ss.Max, float64(h.PatchesOnDisk)/1e6, len(h.Edits))
	fmt.Fprintf(w, "state: the counter served %d after %d hot patches", h.HitsAfter, len(h.Edits))
	if restart != nil && len(restart.Rounds) > 0 {
		fmt.Fprintf(w, "; the first answer after each restart showed %d", restart.Rounds[len(restart.Rounds)-1].HitsAfter)
	}
	fmt.Fprintf(w, "\nhot base: built in %.1f s (ready after %.1f s), kit after %.1f s\n", h.BuiltMS/1000, h.ReadyS, h.KitS)
}

// breakdownTable prints the by-hand compile and links of the last patch.
func breakdownTable(w io.Writer, b *Breakdown) {
	fmt.Fprintf(w, "\nbreakdown of the last patch (%d reps each; packages with code: plugin %d, host %d):\n", *nLinkReps, b.LinkedPkgs, b.HostPkgs)
	fmt.Fprintf(w, "| %-26s | %8s | %8s | %10s | %8s |\n", "step", "median ms", "min ms", ".so MB", "load ms")
	fmt.Fprintf(w, "|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 28), strings.Repeat("-", 11), strings.Repeat("-", 10), strings.Repeat("-", 12), strings.Repeat("-", 10))
	names := []string{"compile"}
	for _, v := range linkVariants {
		names = append(names, v.name)
	}
	for _, n := range names {
		xs := b.Variants[n]
		if len(xs) == 0 {
			continue
		}
		size, load := "", ""
		if sz, ok := b.Sizes[n]; ok {
			size = fmt.Sprintf("%.2f", float64(sz)/1e6)
		}
		if l, ok := b.Loads[n]; ok {
			if l.OK {
				load = fmt.Sprintf("%.1f", l.VerifyMS+l.LoadMS)
			} else {
				load = "FAILED"
			}
		}
		fmt.Fprintf(w, "| %-26s | %9.0f | %8.0f | %10s | %8s |\n", n, median(xs), summarize(xs).Min, size, load)
	}
	fmt.Fprintf(w, "link phases (one run, %.0f ms in all): %s\n", b.LinkPhases["TotalTime"], strings.Join(longestPhases(b.LinkPhases, 6), ", "))
	for n, l := range b.Loads {
		if !l.OK {
			fmt.Fprintf(w, "  %s did not load: %s\n", n, l.Error)
		}
	}
	for _, n := range b.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// longestPhases are the n longest link phases (TotalTime aside), longest
// first, as "<phase> <ms>".
func longestPhases(phases map[string]float64, n int) []string {
	type kv struct {
		k string
		v float64
	}
	var ph []kv
	for k, v := range phases {
		if k != "TotalTime" {
			ph = append(ph, kv{k, v})
		}
	}
	sort.Slice(ph, func(i, j int) bool { return ph[i].v > ph[j].v })
	var parts []string
	for i, p := range ph {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.0f", p.k, p.v))
	}
	return parts
}

// Summary is a distribution.
type Summary struct{ Median, P90, Min, Max, Mean float64 }

func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	p90 := s[int(math.Ceil(0.9*float64(len(s))))-1] // nearest rank
	return Summary{Median: median(s), P90: p90, Min: s[0], Max: s[len(s)-1], Mean: sum / float64(len(s))}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// linfit is the least-squares line y = a*x + b.
func linfit(xs, ys []float64) (a, b float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0, sy / n
	}
	a = (n*sxy - sx*sy) / d
	return a, (sy - a*sx) / n
}
