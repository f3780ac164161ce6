package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	green  = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	red    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
)

// series is one line of a chart.
type series struct {
	name  string
	color color.Color
	pts   plotter.XYs
	dots  bool // points only (the interleaved restarts)
}

func genSeries(gs []Gen, name string, c color.Color, f func(Gen) (float64, bool)) series {
	s := series{name: name, color: c}
	for _, g := range gs {
		if y, ok := f(g); ok {
			s.pts = append(s.pts, plotter.XY{X: float64(g.Gen), Y: y})
		}
	}
	return s
}

func chart(title, ylabel string, ss ...series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "generation (edits applied)"
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	for _, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		if s.dots {
			sc, err := plotter.NewScatter(s.pts)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = s.color, vg.Points(3), draw.CircleGlyph{}
			p.Add(sc)
			p.Legend.Add(s.name, sc)
			continue
		}
		l, err := plotter.NewLine(s.pts)
		if err != nil {
			return nil, err
		}
		l.LineStyle.Color, l.LineStyle.Width = s.color, vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Legend.Top, p.Legend.Left = false, false // bottom right: the lines grow or stay flat
	p.Legend.XOffs, p.Legend.YOffs = -vg.Millimeter, vg.Millimeter
	p.Y.Tick.Marker = plainTicks{}
	p.X.Tick.Marker = plainTicks{}
	return p, nil
}

// plainTicks are gonum's default ticks labelled without trailing zeros
// ("5000", not "5000.00").
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(math.Round(ts[i].Value*1e6)/1e6, 'f', -1, 64) // 0.6, not 0.6000000000000001
		}
	}
	return ts
}

// charts are the soak's charts, in the order of the combined image.
func charts(r *Result) ([]string, []*plot.Plot, error) {
	gs := r.Gens
	mode := r.Meta.Mode
	rss, err := chart("program RSS ("+mode+")", "MB",
		genSeries(gs, "VmRSS", blue, func(g Gen) (float64, bool) { return float64(g.RSSKB) / 1024, true }),
		genSeries(gs, "RssAnon", orange, func(g Gen) (float64, bool) { return float64(g.RSSAnonKB) / 1024, true }),
		genSeries(gs, "RssFile", green, func(g Gen) (float64, bool) { return float64(g.RSSFileKB) / 1024, true }))
	if err != nil {
		return nil, nil, err
	}
	so, err := chart("patch .so size", "MB",
		genSeries(gs, ".so of the generation", blue, func(g Gen) (float64, bool) { return float64(g.SOBytes) / 1e6, g.SOFiles > 0 }))
	if err != nil {
		return nil, nil, err
	}
	disk, err := chart("disk: state dir (du) + plugin copies the program maps", "MB",
		genSeries(gs, "state dir", blue, func(g Gen) (float64, bool) { return float64(g.StateDisk) / 1e6, true }),
		genSeries(gs, "patches/", orange, func(g Gen) (float64, bool) { return float64(g.PatchesDisk) / 1e6, true }),
		genSeries(gs, "mapped copies / deleted files", green, func(g Gen) (float64, bool) { return float64(g.HeldDeleted) / 1e6, g.HeldDeleted >= 0 }),
		genSeries(gs, "total", red, func(g Gen) (float64, bool) { return float64(g.diskBytes()) / 1e6, true }))
	if err != nil {
		return nil, nil, err
	}
	load, err := chart("patch load time (applied.load_ms)", "ms",
		genSeries(gs, "load_ms", blue, func(g Gen) (float64, bool) { v, ok := g.EventMS["load_ms"]; return v, ok }))
	if err != nil {
		return nil, nil, err
	}
	restarts := series{name: "rebuild + restart (" + r.Meta.builder() + " + start)", color: red, dots: true}
	for _, x := range r.Restarts {
		if x.OK {
			restarts.pts = append(restarts.pts, plotter.XY{X: float64(x.AfterGen), Y: x.TotalMS})
		}
	}
	sa, err := chart("save → applied", "ms",
		genSeries(gs, "save → applied event", blue, func(g Gen) (float64, bool) { return g.SaveAppliedMS, true }),
		restarts)
	if err != nil {
		return nil, nil, err
	}
	build, err := chart("patch build (applied event)", "ms",
		genSeries(gs, "build_ms", blue, func(g Gen) (float64, bool) { v, ok := g.EventMS["build_ms"]; return v, ok }),
		genSeries(gs, "compile_ms", green, func(g Gen) (float64, bool) { v, ok := g.EventMS["compile_ms"]; return v, ok }),
		genSeries(gs, "link_ms", orange, func(g Gen) (float64, bool) { v, ok := g.EventMS["link_ms"]; return v, ok }))
	if err != nil {
		return nil, nil, err
	}
	disk.Legend.Top, disk.Legend.Left = true, true // the lines rise to the right
	rss.Legend.Top, rss.Legend.Left = true, true
	launcher, err := chart("launcher (hotreload run) RSS", "MB",
		genSeries(gs, "VmRSS of hotreload run", blue, func(g Gen) (float64, bool) { return float64(g.LauncherRSSKB) / 1024, g.LauncherRSSKB > 0 }))
	if err != nil {
		return nil, nil, err
	}
	loadChart, err := chart("machine load (1-minute average, 2 = both cores)", "load",
		genSeries(gs, "load1 at the save", blue, func(g Gen) (float64, bool) { return g.Load1, g.Load1 >= 0 }))
	if err != nil {
		return nil, nil, err
	}
	return []string{"rss", "so", "disk", "launcher_rss", "load", "save_applied", "build", "machine_load"},
		[]*plot.Plot{rss, so, disk, launcher, load, sa, build, loadChart}, nil
}

// writePlots writes one PNG per chart into dir and soak.png with all of
// them; it returns the files written.
func writePlots(r *Result, dir string) ([]string, error) {
	names, ps, err := charts(r)
	if err != nil {
		return nil, err
	}
	var files []string
	for i, p := range ps {
		f := filepath.Join(dir, names[i]+".png")
		if err := p.Save(16*vg.Centimeter, 10*vg.Centimeter, f); err != nil {
			return files, err
		}
		files = append(files, f)
	}
	// All of them, 4 columns × 2 rows.
	const cols, rows = 4, 2
	img := vgimg.New(cols*14*vg.Centimeter, rows*10*vg.Centimeter+1.2*vg.Centimeter)
	dc := draw.New(img)
	title := fmt.Sprintf("soak: %s, %d edits, %s", r.Program.Name, len(r.Gens), r.Meta.Mode)
	if r.Meta.Bazel {
		title += ", under bazel run"
	}
	ts := plot.New().Title.TextStyle
	ts.XAlign, ts.YAlign, ts.Font.Size = draw.XCenter, draw.YTop, vg.Points(14)
	dc.FillText(ts, vg.Point{X: dc.Center().X, Y: dc.Max.Y - 0.2*vg.Centimeter}, title)
	dc.Max.Y -= 1.2 * vg.Centimeter
	grid := make([][]*plot.Plot, rows)
	for j := range rows {
		grid[j] = ps[j*cols : (j+1)*cols]
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	canvases := plot.Align(grid, tiles, dc)
	for j := range rows {
		for i := range cols {
			grid[j][i].Draw(canvases[j][i])
		}
	}
	f := filepath.Join(dir, "soak.png")
	w, err := os.Create(f)
	if err != nil {
		return files, err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		w.Close()
		return files, err
	}
	return append(files, f), w.Close()
}
