package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Result is everything one soak run records (soak.json).
type Result struct {
	Meta     Meta      `json:"meta"`
	Program  *program  `json:"program"`
	Edit     soakEdit  `json:"edit"`
	Start    Start     `json:"start"`
	Gens     []Gen     `json:"gens"`
	Restarts []Restart `json:"restarts"`
	Stopped  string    `json:"stopped,omitempty"` // why the run ended before -n edits
	Summary  Summary   `json:"summary"`
}

// Meta is the run's setting: machine, tools, flags.
type Meta struct {
	Started        string   `json:"started"`
	Finished       string   `json:"finished,omitempty"`
	Mode           string   `json:"mode"` // a label: "plugin" (today's default) unless -mode says otherwise
	Host           string   `json:"host"`
	CPU            string   `json:"cpu"`
	NumCPU         int      `json:"num_cpu"`
	MemTotal       string   `json:"mem_total"`
	Kernel         string   `json:"kernel"`
	GoVersion      string   `json:"go_version"`
	CC             string   `json:"cc"`
	LoadStart      string   `json:"loadavg_start"`
	LoadEnd        string   `json:"loadavg_end,omitempty"`
	Hotreload      string   `json:"hotreload"`
	HotreloadSHA   string   `json:"hotreload_sha256"`
	Commit         string   `json:"commit,omitempty"`
	Args           []string `json:"args"`
	Env            []string `json:"env,omitempty"`             // -env: added to hotreload run's environment
	HotreloadFlags []string `json:"hotreload_flags,omitempty"` // -hotreload-flag: added to hotreload run
	N              int      `json:"n"`
	// Bazel: built and run under Bazel (-bazel), the baseline too.
	Bazel   bool  `json:"bazel,omitempty"`
	MaxRSS  int64 `json:"max_rss_bytes"`
	MaxDisk int64 `json:"max_disk_bytes"`
}

// builder is what the baseline rebuilds with.
func (m Meta) builder() string {
	if m.Bazel {
		return "bazel build"
	}
	return "go build"
}

// Start is the hot session's start-up.
type Start struct {
	BuiltMS float64 `json:"built_ms"` // the built event's build_ms
	// BazelBuildS: -bazel's `bazel build` of the go_hot_binary, before
	// the launcher starts (ReadyS and KitS count from the launcher).
	BazelBuildS    float64 `json:"bazel_build_s,omitempty"`
	ReadyS         float64 `json:"ready_s"` // hotreload run → serving
	KitS           float64 `json:"kit_s"`   // hotreload run → kit event
	KitMS          float64 `json:"kit_ms"`
	PID            int     `json:"pid"`
	LauncherPID    int     `json:"launcher_pid"`
	RSSKB          int64   `json:"rss_kb"` // before the first edit, after warm-up requests
	RSSAnonKB      int64   `json:"rss_anon_kb"`
	RSSFileKB      int64   `json:"rss_file_kb"`
	LauncherRSSKB  int64   `json:"launcher_rss_kb"`
	StateDiskBytes int64   `json:"state_disk_bytes"` // du of the state dir before the first edit
	HeldDeleted    int64   `json:"held_deleted_bytes"`
}

// Gen is one edit and the generation it made.
type Gen struct {
	Gen           int                `json:"gen"`
	Time          string             `json:"time"`
	Value         string             `json:"value"`
	Save          string             `json:"save"` // inplace or rename
	Load1         float64            `json:"load1"`
	ChangeMS      float64            `json:"change_ms"`       // save → change event
	SaveAppliedMS float64            `json:"save_applied_ms"` // save → applied event
	EventMS       map[string]float64 `json:"event_ms"`        // the applied event's *_ms fields
	Served        bool               `json:"served"`          // one GET after applied answered with the new value
	RequestMS     float64            `json:"request_ms"`
	Body          string             `json:"body,omitempty"` // when not served
	RSSKB         int64              `json:"rss_kb"`         // the program's VmRSS, after the request
	RSSAnonKB     int64              `json:"rss_anon_kb"`
	RSSFileKB     int64              `json:"rss_file_kb"`
	LauncherRSSKB int64              `json:"launcher_rss_kb"`
	SOBytes       int64              `json:"so_bytes"` // the .so file(s) this generation added under the state dir
	SOFiles       int                `json:"so_files"`
	StateDisk     int64              `json:"state_disk_bytes"` // du of the whole state dir
	PatchesDisk   int64              `json:"patches_disk_bytes"`
	FreeDisk      int64              `json:"free_disk_bytes"`
	HeldDeleted   int64              `json:"held_deleted_bytes"` // the program's private plugin copies (outside the state dir) and other deleted files it maps
	HeldFiles     int                `json:"held_deleted_files"`
	Functions     []string           `json:"functions,omitempty"`
	NotLive       []string           `json:"not_live,omitempty"`
}

// diskBytes is the disk the session uses after g: the state dir and the
// deleted files the program still maps.
func (g Gen) diskBytes() int64 { return g.StateDisk + max(0, g.HeldDeleted) }

func (g Gen) ev(name string) float64 { return g.EventMS[name] }

func (g Gen) hasEv(name string) bool { _, ok := g.EventMS[name]; return ok }

// Restart is one rebuild + restart of the same program with plain `go
// build` (warm cache), the baseline: edit a copy of the sources, build,
// start, poll until the new value is served.
type Restart struct {
	AfterGen int     `json:"after_gen"`
	Rep      int     `json:"rep"`
	BuildMS  float64 `json:"build_ms"` // go build (edited sources, warm cache)
	StartMS  float64 `json:"start_ms"` // exec → first answer with the new value
	TotalMS  float64 `json:"total_ms"` // save → served
	OK       bool    `json:"ok"`
	Error    string  `json:"error,omitempty"`
}

// Summary is what the doc quotes.
type Summary struct {
	Gens          int    `json:"gens"`
	Served        int    `json:"served"`
	Stopped       string `json:"stopped,omitempty"`
	HasCompileMS  bool   `json:"has_compile_ms"`
	HasLinkMS     bool   `json:"has_link_ms"`
	StartRSSKB    int64  `json:"start_rss_kb"`
	Gen1RSSKB     int64  `json:"gen1_rss_kb"`
	GenNRSSKB     int64  `json:"genN_rss_kb"`
	StartDisk     int64  `json:"start_disk_bytes"`
	GenNDisk      int64  `json:"genN_disk_bytes"`
	GenNHeld      int64  `json:"genN_held_deleted_bytes"`
	GenNHeldFiles int    `json:"genN_held_deleted_files"`
	SOMedianBytes int64  `json:"so_median_bytes"`
	SOTotalBytes  int64  `json:"so_total_bytes"`

	RSSPerPatchKB      float64 `json:"rss_per_patch_kb"`       // (genN − start) / N
	RSSSlopeKB         float64 `json:"rss_slope_kb"`           // least-squares slope over the generations
	RSSAnonPerPatchKB  float64 `json:"rss_anon_per_patch_kb"`  // (genN − start) / N, anonymous only
	DiskPerPatchBytes  float64 `json:"disk_per_patch_bytes"`   // (genN − start) / N, state dir + deleted files held
	LoadGen1MS         float64 `json:"load_gen1_ms"`           // load_ms of generation 1
	LoadGenNMS         float64 `json:"load_genN_ms"`           // and of the last
	LoadRatio          float64 `json:"load_ratio"`             // genN / gen1
	LoadFirst5MS       float64 `json:"load_first5_median_ms"`  // medians of the first and last five, less noisy
	LoadLast5MS        float64 `json:"load_last5_median_ms"`   //
	SaveAppliedMedian  float64 `json:"save_applied_median_ms"` // save → applied event
	SaveAppliedP90     float64 `json:"save_applied_p90_ms"`
	SaveAppliedFirst10 float64 `json:"save_applied_first10_median_ms"`
	SaveAppliedLast10  float64 `json:"save_applied_last10_median_ms"`
	BuildMedian        float64 `json:"build_median_ms"` // applied.build_ms
	GenerateMedian     float64 `json:"generate_median_ms,omitempty"`
	CompileMedian      float64 `json:"compile_median_ms,omitempty"`
	LinkMedian         float64 `json:"link_median_ms,omitempty"`
	LoadMedian         float64 `json:"load_median_ms"`
	ApplyMedian        float64 `json:"apply_median_ms"`

	Restarts          int     `json:"restarts"`
	RestartMedian     float64 `json:"restart_median_ms"` // rebuild + restart, save → served
	RestartBuildMed   float64 `json:"restart_build_median_ms"`
	RestartStartMed   float64 `json:"restart_start_median_ms"`
	RestartFirstMed   float64 `json:"restart_first_round_median_ms"`
	RestartLastMed    float64 `json:"restart_last_round_median_ms"`
	SaveAppliedOverRS float64 `json:"save_applied_over_restart"` // SaveAppliedMedian / RestartMedian
	Rounds            []Round `json:"rounds"`                    // each baseline round against the hot edits around it
}

// Round compares one baseline round with the hot edits made around it
// (the generations nearest to it: the machine's load varies over a run).
type Round struct {
	AfterGen       int     `json:"after_gen"`
	FromGen        int     `json:"from_gen"`
	ToGen          int     `json:"to_gen"`
	RestartMedian  float64 `json:"restart_median_ms"`
	HotMedian      float64 `json:"save_applied_median_ms"`
	Ratio          float64 `json:"ratio"` // HotMedian / RestartMedian
	Load1Median    float64 `json:"load1_median"`
	HotLoadMSMed   float64 `json:"load_ms_median"`
	HotBuildMSMed  float64 `json:"build_ms_median"`
	RestartBuildMS float64 `json:"restart_build_median_ms"`
}

// roundWindow is how many generations around a baseline round it is
// compared with.
const roundWindow = 4

func median(xs []float64) float64 { return quantile(xs, 0.5) }

// quantile is the q-quantile of xs by linear interpolation (0 when empty).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}

// slope is the least-squares slope of ys over xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

func pick(gs []Gen, f func(Gen) float64) []float64 {
	out := make([]float64, len(gs))
	for i, g := range gs {
		out[i] = f(g)
	}
	return out
}

// summarize computes r.Summary from the records.
func (r *Result) summarize() {
	s := Summary{Gens: len(r.Gens), Stopped: r.Stopped, StartRSSKB: r.Start.RSSKB, StartDisk: r.Start.StateDiskBytes}
	gs := r.Gens
	for _, g := range gs {
		if g.Served {
			s.Served++
		}
		s.HasCompileMS = s.HasCompileMS || g.hasEv("compile_ms")
		s.HasLinkMS = s.HasLinkMS || g.hasEv("link_ms")
		s.SOTotalBytes += g.SOBytes
	}
	if n := len(gs); n > 0 {
		first, last := gs[0], gs[n-1]
		s.Gen1RSSKB, s.GenNRSSKB, s.GenNDisk = first.RSSKB, last.RSSKB, last.StateDisk
		s.GenNHeld, s.GenNHeldFiles = last.HeldDeleted, last.HeldFiles
		s.RSSPerPatchKB = float64(last.RSSKB-r.Start.RSSKB) / float64(n)
		s.RSSAnonPerPatchKB = float64(last.RSSAnonKB-r.Start.RSSAnonKB) / float64(n)
		s.DiskPerPatchBytes = float64(last.StateDisk+max(0, last.HeldDeleted)-r.Start.StateDiskBytes-max(0, r.Start.HeldDeleted)) / float64(n)
		s.RSSSlopeKB = slope(pick(gs, func(g Gen) float64 { return float64(g.Gen) }), pick(gs, func(g Gen) float64 { return float64(g.RSSKB) }))
		s.SOMedianBytes = int64(median(pick(gs, func(g Gen) float64 { return float64(g.SOBytes) })))
		load := pick(gs, func(g Gen) float64 { return g.ev("load_ms") })
		s.LoadGen1MS, s.LoadGenNMS = load[0], load[n-1]
		if s.LoadGen1MS > 0 {
			s.LoadRatio = s.LoadGenNMS / s.LoadGen1MS
		}
		s.LoadFirst5MS, s.LoadLast5MS = median(load[:min(5, n)]), median(load[max(0, n-5):])
		sa := pick(gs, func(g Gen) float64 { return g.SaveAppliedMS })
		s.SaveAppliedMedian, s.SaveAppliedP90 = median(sa), quantile(sa, 0.9)
		s.SaveAppliedFirst10, s.SaveAppliedLast10 = median(sa[:min(10, n)]), median(sa[max(0, n-10):])
		s.BuildMedian = median(pick(gs, func(g Gen) float64 { return g.ev("build_ms") }))
		s.LoadMedian = median(load)
		s.ApplyMedian = median(pick(gs, func(g Gen) float64 { return g.ev("apply_ms") }))
		if s.HasCompileMS {
			s.CompileMedian = median(pick(gs, func(g Gen) float64 { return g.ev("compile_ms") }))
		}
		if gs[0].hasEv("generate_ms") {
			s.GenerateMedian = median(pick(gs, func(g Gen) float64 { return g.ev("generate_ms") }))
		}
		if s.HasLinkMS {
			s.LinkMedian = median(pick(gs, func(g Gen) float64 { return g.ev("link_ms") }))
		}
	}
	var tot, build, start []float64
	rounds := map[int][]float64{}
	var order []int
	for _, x := range r.Restarts {
		if !x.OK {
			continue
		}
		tot, build, start = append(tot, x.TotalMS), append(build, x.BuildMS), append(start, x.StartMS)
		if _, ok := rounds[x.AfterGen]; !ok {
			order = append(order, x.AfterGen)
		}
		rounds[x.AfterGen] = append(rounds[x.AfterGen], x.TotalMS)
	}
	s.Restarts = len(tot)
	s.RestartMedian, s.RestartBuildMed, s.RestartStartMed = median(tot), median(build), median(start)
	if len(order) > 0 {
		s.RestartFirstMed, s.RestartLastMed = median(rounds[order[0]]), median(rounds[order[len(order)-1]])
	}
	if s.RestartMedian > 0 {
		s.SaveAppliedOverRS = s.SaveAppliedMedian / s.RestartMedian
	}
	for _, k := range order {
		// The roundWindow generations nearest to k (made just before
		// and just after the round).
		lo := max(1, k-roundWindow/2+1)
		hi := min(len(gs), lo+roundWindow-1)
		lo = max(1, hi-roundWindow+1)
		if hi < lo {
			continue
		}
		var build []float64
		for _, x := range r.Restarts {
			if x.OK && x.AfterGen == k {
				build = append(build, x.BuildMS)
			}
		}
		w := gs[lo-1 : hi]
		rd := Round{AfterGen: k, FromGen: lo, ToGen: hi, RestartMedian: median(rounds[k]), RestartBuildMS: median(build),
			HotMedian:     median(pick(w, func(g Gen) float64 { return g.SaveAppliedMS })),
			Load1Median:   median(pick(w, func(g Gen) float64 { return g.Load1 })),
			HotLoadMSMed:  median(pick(w, func(g Gen) float64 { return g.ev("load_ms") })),
			HotBuildMSMed: median(pick(w, func(g Gen) float64 { return g.ev("build_ms") }))}
		if rd.RestartMedian > 0 {
			rd.Ratio = rd.HotMedian / rd.RestartMedian
		}
		s.Rounds = append(s.Rounds, rd)
	}
	r.Summary = s
}

// csvColumns are soak.csv's columns; the event's durations follow the
// fixed ones, one column per *_ms field any applied event had.
var csvColumns = []string{"gen", "time", "value", "save", "load1", "change_ms", "save_applied_ms"}

var csvTail = []string{"served", "request_ms", "rss_kb", "rss_anon_kb", "rss_file_kb", "launcher_rss_kb", "so_bytes", "so_files", "state_disk_bytes", "patches_disk_bytes", "held_deleted_bytes", "held_deleted_files", "free_disk_bytes"}

// eventColumns are the *_ms fields of the applied events, the documented
// ones first (docs/EVENTS.md), then any others in name order.
func eventColumns(gs []Gen) []string {
	known := []string{"build_ms", "generate_ms", "compile_ms", "link_ms", "load_ms", "apply_ms", "total_ms"}
	seen := map[string]bool{}
	for _, g := range gs {
		for k := range g.EventMS {
			seen[k] = true
		}
	}
	var out, rest []string
	for _, k := range known {
		if seen[k] || k == "build_ms" || k == "load_ms" || k == "apply_ms" || k == "total_ms" {
			out = append(out, k)
		}
		delete(seen, k)
	}
	for k := range seen {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func f64(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// writeCSV writes one row per generation; an event duration the applied
// event did not have is an empty cell.
func writeCSV(w io.Writer, gs []Gen) error {
	ev := eventColumns(gs)
	cw := csv.NewWriter(w)
	head := append(append(slices.Clone(csvColumns), ev...), csvTail...)
	cw.Write(head)
	for _, g := range gs {
		row := []string{strconv.Itoa(g.Gen), g.Time, g.Value, g.Save, f64(g.Load1), f64(g.ChangeMS), f64(g.SaveAppliedMS)}
		for _, k := range ev {
			if v, ok := g.EventMS[k]; ok {
				row = append(row, f64(v))
			} else {
				row = append(row, "")
			}
		}
		row = append(row, strconv.FormatBool(g.Served), f64(g.RequestMS),
			strconv.FormatInt(g.RSSKB, 10), strconv.FormatInt(g.RSSAnonKB, 10), strconv.FormatInt(g.RSSFileKB, 10),
			strconv.FormatInt(g.LauncherRSSKB, 10), strconv.FormatInt(g.SOBytes, 10), strconv.Itoa(g.SOFiles),
			strconv.FormatInt(g.StateDisk, 10), strconv.FormatInt(g.PatchesDisk, 10), strconv.FormatInt(g.HeldDeleted, 10), strconv.Itoa(g.HeldFiles),
			strconv.FormatInt(g.FreeDisk, 10))
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func writeRestartsCSV(w io.Writer, rs []Restart) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"after_gen", "rep", "build_ms", "start_ms", "total_ms", "ok", "error"})
	for _, x := range rs {
		cw.Write([]string{strconv.Itoa(x.AfterGen), strconv.Itoa(x.Rep), f64(x.BuildMS), f64(x.StartMS), f64(x.TotalMS), strconv.FormatBool(x.OK), x.Error})
	}
	cw.Flush()
	return cw.Error()
}

func writeJSON(file string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

func mb(b float64) string { return fmt.Sprintf("%.1f MB", b/1e6) }

func kbMB(kb float64) string { return fmt.Sprintf("%.1f MB", kb/1024) }

// summaryMarkdown is summary.md: the run's setting and its numbers.
func (r *Result) summaryMarkdown() string {
	s := r.Summary
	var b strings.Builder
	m := r.Meta
	fmt.Fprintf(&b, "# Soak: %s, %d edits, mode %s\n\n", r.Program.Name, s.Gens, m.Mode)
	fmt.Fprintf(&b, "- started %s, finished %s; load average at start %s, at end %s\n", m.Started, m.Finished, m.LoadStart, m.LoadEnd)
	fmt.Fprintf(&b, "- machine: %d × %s, %s RAM, Linux %s; %s; %s\n", m.NumCPU, m.CPU, m.MemTotal, m.Kernel, m.GoVersion, m.CC)
	fmt.Fprintf(&b, "- hotreload: %s (sha256 %s, commit %s); extra flags %q, extra env %q\n", m.Hotreload, m.HotreloadSHA, m.Commit, m.HotreloadFlags, m.Env)
	fmt.Fprintf(&b, "- program: %s %s %s; edit: %s, GET %s\n", r.Program.Module, r.Program.Main, strings.Join(r.Program.Args, " "), r.Edit.File, r.Edit.Path)
	if r.Meta.Bazel {
		fmt.Fprintf(&b, "- under Bazel: `bazel build` of the go_hot_binary %.1f s, then its launcher (`hotreload run --bazel-kit`); the baseline is `bazel build` of the plain go_binary + start\n", r.Start.BazelBuildS)
	}
	fmt.Fprintf(&b, "- hot start: built in %.1f s, serving after %.1f s, kit after %.1f s\n", r.Start.BuiltMS/1000, r.Start.ReadyS, r.Start.KitS)
	if s.Stopped != "" {
		fmt.Fprintf(&b, "- **stopped early**: %s\n", s.Stopped)
	}
	fmt.Fprintf(&b, "- edits applied %d, served the new value at the first request after `applied`: %d\n\n", s.Gens, s.Served)
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	b.WriteString("| | |\n|---|---|\n")
	row("save → applied, median (p90)", fmt.Sprintf("%.0f ms (%.0f)", s.SaveAppliedMedian, s.SaveAppliedP90))
	row("save → applied, first 10 / last 10 (medians)", fmt.Sprintf("%.0f / %.0f ms", s.SaveAppliedFirst10, s.SaveAppliedLast10))
	row("rebuild + restart ("+r.Meta.builder()+" warm + start until serving), median", fmt.Sprintf("%.0f ms (build %.0f + start %.0f; first round %.0f, last %.0f; n=%d)", s.RestartMedian, s.RestartBuildMed, s.RestartStartMed, s.RestartFirstMed, s.RestartLastMed, s.Restarts))
	row("save → applied / rebuild + restart", fmt.Sprintf("%.2f×", s.SaveAppliedOverRS))
	bl := fmt.Sprintf("%.0f ms", s.BuildMedian)
	if s.HasCompileMS || s.HasLinkMS {
		bl += fmt.Sprintf(" (generate %.0f, compile %.0f, link %.0f)", s.GenerateMedian, s.CompileMedian, s.LinkMedian)
	}
	row("build_ms median", bl)
	row("load_ms gen 1 → gen N", fmt.Sprintf("%.1f → %.1f ms (×%.1f); first 5 / last 5 medians %.1f / %.1f", s.LoadGen1MS, s.LoadGenNMS, s.LoadRatio, s.LoadFirst5MS, s.LoadLast5MS))
	row("apply_ms median", fmt.Sprintf("%.2f ms", s.ApplyMedian))
	row("RSS before gen 1 → gen 1 → gen N", fmt.Sprintf("%s → %s → %s", kbMB(float64(s.StartRSSKB)), kbMB(float64(s.Gen1RSSKB)), kbMB(float64(s.GenNRSSKB))))
	row("RSS growth per patch (mean; least-squares slope)", fmt.Sprintf("%s; %s (anonymous: %s)", kbMB(s.RSSPerPatchKB), kbMB(s.RSSSlopeKB), kbMB(s.RSSAnonPerPatchKB)))
	row("patch .so size, median (all)", fmt.Sprintf("%s (%s)", mb(float64(s.SOMedianBytes)), mb(float64(s.SOTotalBytes))))
	row("state dir on disk (du) before gen 1 → gen N", fmt.Sprintf("%s → %s", mb(float64(s.StartDisk)), mb(float64(s.GenNDisk))))
	row("private plugin copies and deleted files the program maps after gen N (du of the state dir misses them)", fmt.Sprintf("%s in %d files", mb(float64(max(0, s.GenNHeld))), s.GenNHeldFiles))
	row("disk per patch (state dir + held deleted files)", mb(s.DiskPerPatchBytes))
	if len(s.Rounds) > 0 {
		b.WriteString("\nEach rebuild + restart round against the hot edits around it (medians; the machine's load varies over a run):\n\n")
		b.WriteString("| round after gen | hot gens | load1 | save → applied ms (build, load) | rebuild + restart ms (" + r.Meta.builder() + ") | ratio |\n|---|---|---|---|---|---|\n")
		for _, rd := range s.Rounds {
			fmt.Fprintf(&b, "| %d | %d–%d | %.1f | %.0f (%.0f, %.0f) | %.0f (%.0f) | %.2f× |\n",
				rd.AfterGen, rd.FromGen, rd.ToGen, rd.Load1Median, rd.HotMedian, rd.HotBuildMSMed, rd.HotLoadMSMed, rd.RestartMedian, rd.RestartBuildMS, rd.Ratio)
		}
	}
	return b.String()
}
