//go:build ignore

// summarize reads raw `go test -bench` outputs (one file per mode, as
// written by instrumentation.sh and prologue.sh) and prints markdown
// summaries of each mode against the first: the geomean of the time/op
// ratios (of medians, as benchstat computes it) overall and per package,
// the largest slowdowns and speedups, and every benchmark whose B/op or
// allocs/op changed. benchstat's tables remain the reference for
// significance; here a change is marked "all" when every sample of one side
// lies beyond every sample of the other (with 6 samples each, the
// Mann-Whitney U test's smallest p-value, 0.002).
//
//	go run bench/summarize.go [-top 12] plain=plain.txt hot=hot.txt noescape=noescape.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

type key struct{ pkg, name string }

// samples[mode][key][unit] = values
type modeData map[key]map[string][]float64

func parse(file string) (modeData, []key, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	d := modeData{}
	var order []key
	pkg := ""
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 4 {
			continue
		}
		k := key{pkg, strings.TrimPrefix(fs[0], "Benchmark")}
		if d[k] == nil {
			d[k] = map[string][]float64{}
			order = append(order, k)
		}
		for i := 2; i+1 < len(fs); i += 2 {
			v, err := strconv.ParseFloat(fs[i], 64)
			if err != nil {
				continue
			}
			d[k][fs[i+1]] = append(d[k][fs[i+1]], v)
		}
	}
	return d, order, s.Err()
}

func median(v []float64) float64 {
	w := append([]float64(nil), v...)
	sort.Float64s(w)
	n := len(w)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return w[n/2]
	}
	return (w[n/2-1] + w[n/2]) / 2
}

func minmax(v []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// separated reports whether every sample of b is above (1) or below (-1)
// every sample of a, else 0.
func separated(a, b []float64) int {
	alo, ahi := minmax(a)
	blo, bhi := minmax(b)
	switch {
	case blo > ahi:
		return 1
	case bhi < alo:
		return -1
	}
	return 0
}

func shortPkg(p string) string {
	if strings.Contains(p, ".") && strings.Contains(p, "/") {
		return path.Base(p)
	}
	return p
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.3g s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

func pct(r float64) string { return fmt.Sprintf("%+.1f%%", (r-1)*100) }

type row struct {
	k         key
	base, new float64
	ratio     float64
	sep       int
}

func main() {
	top := flag.Int("top", 12, "how many slowdowns and speedups to list")
	flag.Parse()
	if flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: summarize [-top N] base=file other=file...")
		os.Exit(2)
	}
	type input struct {
		name string
		d    modeData
	}
	var ins []input
	var order []key
	for i, a := range flag.Args() {
		name, file, ok := strings.Cut(a, "=")
		if !ok {
			name, file = strings.TrimSuffix(path.Base(a), ".txt"), a
		}
		d, o, err := parse(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if i == 0 {
			order = o
		}
		ins = append(ins, input{name, d})
	}
	base := ins[0]
	for _, in := range ins[1:] {
		fmt.Printf("#### %s vs %s\n\n", in.name, base.name)
		var rows []row
		pkgs := []string{}
		perPkg := map[string][]float64{}
		nSamples := 0
		for _, k := range order {
			b, n := base.d[k]["ns/op"], in.d[k]["ns/op"]
			if len(b) == 0 || len(n) == 0 {
				continue
			}
			nSamples = max(nSamples, min(len(b), len(n)))
			r := row{k: k, base: median(b), new: median(n), sep: separated(b, n)}
			r.ratio = r.new / r.base
			rows = append(rows, r)
			if _, ok := perPkg[k.pkg]; !ok {
				pkgs = append(pkgs, k.pkg)
			}
			perPkg[k.pkg] = append(perPkg[k.pkg], math.Log(r.ratio))
		}
		geo := func(logs []float64) float64 {
			s := 0.0
			for _, l := range logs {
				s += l
			}
			return math.Exp(s / float64(len(logs)))
		}
		var all []float64
		slower, faster := 0, 0
		for _, r := range rows {
			all = append(all, math.Log(r.ratio))
			if r.sep > 0 {
				slower++
			} else if r.sep < 0 {
				faster++
			}
		}
		fmt.Printf("time/op over %d benchmarks (%d samples each): geomean %s; every sample slower in %d, every sample faster in %d.\n\n",
			len(rows), nSamples, pct(geo(all)), slower, faster)
		fmt.Printf("| package | benchmarks | geomean time/op |\n|---|---:|---:|\n")
		for _, p := range pkgs {
			fmt.Printf("| %s | %d | %s |\n", shortPkg(p), len(perPkg[p]), pct(geo(perPkg[p])))
		}
		fmt.Println()
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].ratio > rows[j].ratio })
		list := func(title string, rs []row) {
			fmt.Printf("%s\n\n| benchmark | %s | %s | change | separated |\n|---|---:|---:|---:|:-:|\n", title, base.name, in.name)
			for _, r := range rs {
				s := ""
				if r.sep != 0 {
					s = "all"
				}
				fmt.Printf("| %s %s | %s | %s | %s | %s |\n", shortPkg(r.k.pkg), r.k.name, fmtNs(r.base), fmtNs(r.new), pct(r.ratio), s)
			}
			fmt.Println()
		}
		n := min(*top, len(rows))
		list("Largest slowdowns:", rows[:n])
		var fast []row
		for i := len(rows) - 1; i >= 0 && len(fast) < n; i-- {
			if rows[i].ratio < 1 {
				fast = append(fast, rows[i])
			}
		}
		list("Largest speedups:", fast)

		fmt.Printf("Allocation changes (median B/op, allocs/op):\n\n| benchmark | B/op %s | B/op %s | allocs/op %s | allocs/op %s |\n|---|---:|---:|---:|---:|\n", base.name, in.name, base.name, in.name)
		changed := 0
		for _, k := range order {
			bb, nb := base.d[k]["B/op"], in.d[k]["B/op"]
			ba, na := base.d[k]["allocs/op"], in.d[k]["allocs/op"]
			if len(bb) == 0 || len(nb) == 0 || len(ba) == 0 || len(na) == 0 {
				continue
			}
			mbb, mnb, mba, mna := median(bb), median(nb), median(ba), median(na)
			if mba == mna && math.Abs(mnb-mbb) <= 0.02*math.Max(mbb, 1) {
				continue
			}
			changed++
			fmt.Printf("| %s %s | %.0f | %.0f | %.0f | %.0f |\n", shortPkg(k.pkg), k.name, mbb, mnb, mba, mna)
		}
		if changed == 0 {
			fmt.Println("| (none) | | | | |")
		}
		fmt.Println()
	}
}
