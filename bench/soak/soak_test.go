package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseEvent(t *testing.T) {
	line := `ibazel noise {"event":"applied","time":"2026-11-29T04:31:06.82Z","gen":3,"functions":["m/p.F"],"build_ms":1660.8,"compile_ms":20.5,"link_ms":1500,"load_ms":35.34,"apply_ms":0.08,"total_ms":1708.8}`
	e, ok := parseEvent(line)
	if !ok || e.Event != "applied" || e.Gen != 3 || len(e.Functions) != 1 {
		t.Fatalf("parseEvent = %+v, %v", e, ok)
	}
	for k, want := range map[string]float64{"build_ms": 1660.8, "compile_ms": 20.5, "link_ms": 1500, "load_ms": 35.34, "apply_ms": 0.08, "total_ms": 1708.8} {
		if got, ok := e.ms(k); !ok || got != want {
			t.Errorf("%s = %v, %v; want %v", k, got, ok, want)
		}
	}
	if !strings.HasPrefix(e.Raw, `{"event":"applied"`) {
		t.Errorf("Raw = %q", e.Raw)
	}
	for _, l := range []string{"program output", `{"not":"an event"}`, `{"event":`} {
		if _, ok := parseEvent(l); ok {
			t.Errorf("parseEvent(%q) is an event", l)
		}
	}
	e, ok = parseEvent(`{"event":"ready","time":"x","package":"m","pid":42,"socket":"/s"}`)
	if !ok || e.PID != 42 || len(e.MS) != 0 {
		t.Errorf("ready: %+v %v", e, ok)
	}
}

func TestParseCorpus(t *testing.T) {
	p, err := parseCorpus(filepath.Join("..", "..", "tools", "fidelity", "corpus", "httpbin.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Module, "github.com/mccutchen/go-httpbin/v2@") || p.Main != "./cmd/go-httpbin" || p.readyPath() != "/robots.txt" {
		t.Errorf("httpbin: %+v", p)
	}
	if got := strings.Join(p.args("1234"), " "); !strings.Contains(got, "-port 1234") {
		t.Errorf("args = %q", got)
	}
	e := soakEdits["httpbin"]
	orig := []byte("a\n\twriteResponse(w, http.StatusOK, textContentType, []byte(`YOU SHOULDN'T BE HERE`))\n")
	got, err := e.apply(orig, "soak-7")
	if err != nil || !strings.Contains(string(got), "[]byte(`YOU SHOULDN'T BE HERE soak-7`)") {
		t.Errorf("apply = %q, %v", got, err)
	}
	if _, err := e.apply([]byte("nothing"), "x"); err == nil {
		t.Error("apply of a file without the old text: no error")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "": 0, "1234": 1234, "500M": 500 << 20, "12G": 12 << 30, "1.5GiB": 3 << 29, "2k": 2048} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseSize("lots"); err == nil {
		t.Error("parseSize(lots): no error")
	}
}

func TestParseStatus(t *testing.T) {
	m := parseStatus("Name:\tx\nVmRSS:\t  61234 kB\nRssAnon:\t 20000 kB\nRssFile:\t 41234 kB\n")
	if m != (memory{RSS: 61234, Anon: 20000, File: 41234}) {
		t.Errorf("parseStatus = %+v", m)
	}
}

// synthetic is a run of n generations with plugin-like growth.
func synthetic(n int, withLink bool) *Result {
	r := &Result{Meta: Meta{Mode: "plugin"}, Program: &program{Name: "httpbin", Module: "m@v1", Main: "./cmd/x"},
		Start: Start{RSSKB: 20000, RSSAnonKB: 8000, StateDiskBytes: 100e6}}
	for i := 1; i <= n; i++ {
		ev := map[string]float64{"build_ms": 4000, "load_ms": 40 + 10*float64(i-1), "apply_ms": 0.1, "total_ms": 4100}
		if withLink {
			ev["compile_ms"], ev["link_ms"] = 30, 3500
		}
		r.Gens = append(r.Gens, Gen{Gen: i, Value: editValue(i), Save: "inplace", EventMS: ev, SaveAppliedMS: 4000 + float64(i),
			Served: i != 2, RSSKB: 20000 + int64(i)*10240, RSSAnonKB: 8000 + int64(i)*2048, SOBytes: 37e6, SOFiles: 1,
			StateDisk: 100e6 + int64(i)*37e6, PatchesDisk: int64(i) * 37e6})
	}
	for _, after := range []int{0, n} {
		for rep := 1; rep <= 3; rep++ {
			r.Restarts = append(r.Restarts, Restart{AfterGen: after, Rep: rep, BuildMS: 2000, StartMS: 50, TotalMS: 2050, OK: true})
		}
	}
	r.Restarts = append(r.Restarts, Restart{AfterGen: n, Rep: 4, Error: "boom"})
	return r
}

func TestSummary(t *testing.T) {
	r := synthetic(10, false)
	r.summarize()
	s := r.Summary
	if s.Gens != 10 || s.Served != 9 || s.Restarts != 6 {
		t.Errorf("counts: %+v", s)
	}
	if s.LoadGen1MS != 40 || s.LoadGenNMS != 130 || s.LoadRatio != 130.0/40 {
		t.Errorf("load: %v %v %v", s.LoadGen1MS, s.LoadGenNMS, s.LoadRatio)
	}
	if s.RSSPerPatchKB != 10240 || s.RSSSlopeKB < 10239.99 || s.RSSSlopeKB > 10240.01 || s.RSSAnonPerPatchKB != 2048 {
		t.Errorf("rss: %v %v %v", s.RSSPerPatchKB, s.RSSSlopeKB, s.RSSAnonPerPatchKB)
	}
	if s.DiskPerPatchBytes != 37e6 || s.SOMedianBytes != 37e6 || s.SOTotalBytes != 370e6 {
		t.Errorf("disk: %+v", s)
	}
	if s.SaveAppliedMedian != 4005.5 || s.RestartMedian != 2050 || s.SaveAppliedOverRS != 4005.5/2050 {
		t.Errorf("save→applied %v, restart %v, ratio %v", s.SaveAppliedMedian, s.RestartMedian, s.SaveAppliedOverRS)
	}
	if len(s.Rounds) != 2 || s.Rounds[0].FromGen != 1 || s.Rounds[0].ToGen != 4 || s.Rounds[1].FromGen != 7 || s.Rounds[1].ToGen != 10 || s.Rounds[0].Ratio != 4002.5/2050 {
		t.Errorf("rounds: %+v", s.Rounds)
	}
	if s.HasLinkMS || s.LinkMedian != 0 {
		t.Errorf("link_ms without any: %+v", s)
	}
	md := r.summaryMarkdown()
	for _, want := range []string{"save → applied, median", "rebuild + restart", "1.95×", "10.0 MB; 10.0 MB"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}

func TestCSV(t *testing.T) {
	for _, withLink := range []bool{false, true} {
		r := synthetic(4, withLink)
		var b bytes.Buffer
		if err := writeCSV(&b, r.Gens); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 {
			t.Fatalf("%d rows, want 5", len(rows))
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, h := range []string{"gen", "save_applied_ms", "build_ms", "load_ms", "apply_ms", "total_ms", "rss_kb", "so_bytes", "state_disk_bytes", "held_deleted_bytes", "served"} {
			if _, ok := col[h]; !ok {
				t.Errorf("no column %s in %v", h, rows[0])
			}
		}
		_, hasLink := col["link_ms"]
		if hasLink != withLink {
			t.Errorf("link_ms column: %v, want %v", hasLink, withLink)
		}
		if got := rows[4][col["load_ms"]]; got != "70" {
			t.Errorf("gen 4 load_ms = %q", got)
		}
		if got := rows[2][col["served"]]; got != "false" {
			t.Errorf("gen 2 served = %q", got)
		}
	}
	var b bytes.Buffer
	if err := writeRestartsCSV(&b, synthetic(2, false).Restarts); err != nil {
		t.Fatal(err)
	}
	if rows, _ := csv.NewReader(&b).ReadAll(); len(rows) != 8 || rows[7][6] != "boom" {
		t.Errorf("restarts.csv: %v", rows)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	r := synthetic(12, true)
	r.summarize()
	if err := write(r, dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"soak.json", "soak.csv", "restarts.csv", "summary.md", "rss.png", "so.png", "disk.png", "load.png", "save_applied.png", "build.png", "launcher_rss.png", "machine_load.png", "soak.png"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if strings.HasSuffix(f, ".png") {
			fh, _ := os.Open(filepath.Join(dir, f))
			_, err := png.Decode(fh)
			fh.Close()
			if err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	// An empty run (stopped before the first edit) still writes its charts.
	empty := &Result{Meta: Meta{Mode: "plugin"}, Program: &program{Name: "x"}, Stopped: "the hot session did not start"}
	empty.summarize()
	if err := write(empty, t.TempDir()); err != nil {
		t.Errorf("empty run: %v", err)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{5, 1, 3, 2, 4}
	for q, want := range map[float64]float64{0: 1, 0.5: 3, 1: 5, 0.9: 4.6} {
		if got := quantile(xs, q); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", want) {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
	if quantile(nil, 0.5) != 0 {
		t.Error("quantile of nothing")
	}
}

func TestLinkMode(t *testing.T) {
	for _, c := range []struct {
		inherited  string
		env, flags []string
		want       string
	}{
		{"", nil, nil, "plugin"},
		{"shared", nil, nil, "shared"},
		{"", []string{"HOTRELOAD_LINK=shared"}, nil, "shared"},
		{"", []string{"GOHOT_LINK=x"}, nil, "x"},
		{"", nil, []string{"--link=shared"}, "shared"},
		{"", nil, []string{"-tags", "x", "-link", "shared"}, "shared"},
		{"shared", nil, []string{"--link=plugin"}, "plugin"},
	} {
		if got := linkMode(c.inherited, c.env, c.flags); got != c.want {
			t.Errorf("linkMode(%q, %q, %q) = %q, want %q", c.inherited, c.env, c.flags, got, c.want)
		}
	}
}

func TestParseHeldMaps(t *testing.T) {
	maps := `00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/prog
7f1c00000000-7f1c00100000 r--p 00000000 fd:00 4242        /tmp/.gohot-load-1-2/patch.so (deleted)
7f1c00100000-7f1c00200000 r-xp 00100000 fd:00 4242        /tmp/.gohot-load-1-2/patch.so (deleted)
7f1c00300000-7f1c00400000 rw-s 00000000 00:01 1000        /memfd:x (deleted)
7f1d00000000-7f1d00021000 rw-p 00000000 00:00 0           (deleted)
7f1e00000000-7f1e00001000 r--p 00000000 fd:00 77          /state/patches/p 1/patch.so (deleted)
7f1f00000000-7f1f00001000 r--p 00000000 fd:00 78          /tmp/.gohot-load-9-3/patch.so
7f2000000000-7f2000001000 r--p 00000000 fd:00 79          /state/bin/prog
`
	got := parseHeldMaps(maps)
	if len(got) != 4 || got[0].addr != "7f1c00000000-7f1c00100000" || got[0].path != "/tmp/.gohot-load-1-2/patch.so" ||
		got[2].path != "/state/patches/p 1/patch.so" || got[3].path != "/tmp/.gohot-load-9-3/patch.so" {
		t.Errorf("parseHeldMaps = %+v", got)
	}
	if n, files := heldDeleted(os.Getpid()); n < 0 || files < 0 {
		t.Errorf("heldDeleted(self) = %d, %d", n, files)
	}
}

func TestGuards(t *testing.T) {
	s := &soak{r: &Result{Meta: Meta{MaxRSS: 100 << 20, MaxDisk: 1 << 30}}, minFree: 5 << 30}
	ok := Gen{Gen: 3, RSSKB: 50 << 10, StateDisk: 200 << 20, HeldDeleted: 500 << 20, FreeDisk: 10 << 30}
	if why := s.guards(ok); why != "" {
		t.Errorf("guards(%+v) = %q", ok, why)
	}
	for want, g := range map[string]Gen{
		"-max-rss":  {Gen: 3, RSSKB: 200 << 10, FreeDisk: 10 << 30},
		"-max-disk": {Gen: 3, StateDisk: 200 << 20, HeldDeleted: 900 << 20, FreeDisk: 10 << 30}, // held files count
		"-min-free": {Gen: 3, FreeDisk: 1 << 30},
	} {
		if why := s.guards(g); !strings.Contains(why, want) {
			t.Errorf("guards(%+v) = %q, want %s", g, why, want)
		}
	}
}

func TestParseHelpDefaultLink(t *testing.T) {
	usage := "Usage of run:\n  -events string\n    \treport format (default \"human\")\n  -link string\n    \thow patches are linked: shared (...) or plugin (...);\n    \tsee docs; default $HOTRELOAD_LINK or shared (default \"shared\")\n  -race\n    \tbuild with the race detector\n"
	if got := parseHelpDefaultLink(usage); got != "shared" {
		t.Errorf("parseHelpDefaultLink = %q, want shared", got)
	}
	if got := parseHelpDefaultLink("Usage of run:\n  -events string\n    \treport format (default \"human\")\n"); got != "" {
		t.Errorf("no -link: %q", got)
	}
}
