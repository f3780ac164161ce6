// Command fidelity runs the edit-fidelity oracle (package
// github.com/gohot/rules_go_hot/tools/fidelity) on corpus programs and
// prints the results as a table.
//
//	go run ./tools/fidelity/cmd/fidelity [-ci] [-run REGEXP] [-md FILE] [-json FILE] [program...]
//	go run ./tools/fidelity/cmd/fidelity -check [program...]   (cheap: edits apply and build)
//
// Run it from the repository's root. It exits 1 when a result fails the
// oracle's targets (an edit applied but different, a crash, a hang, a
// refusal without the expected reason, an undo that does not restore the
// original answers), 2 on bad usage.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/gohot/rules_go_hot/tools/fidelity"
)

func main() {
	corpus := flag.String("corpus", "tools/fidelity/corpus", "the corpus directory")
	ci := flag.Bool("ci", false, "only the edits marked ci")
	runRe := flag.String("run", "", "only the edits whose name matches this regexp")
	hot := flag.String("hotreload", "", "the hotreload command (default: build it from this repository)")
	work := flag.String("work", "", "scratch directory (default: a new temporary one)")
	md := flag.String("md", "", "also write the tables (Markdown) to this file")
	js := flag.String("json", "", "also write the results (JSON) to this file")
	check := flag.Bool("check", false, "only check the corpus: each edit applies once and builds plainly (or fails to, for expect error)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: fidelity [flags] [program...]")
		flag.PrintDefaults()
	}
	flag.Parse()

	progs, err := fidelity.Load(*corpus)
	if err != nil {
		fail(2, err)
	}
	if flag.NArg() > 0 {
		var keep []*fidelity.Program
		for _, name := range flag.Args() {
			found := false
			for _, p := range progs {
				if p.Name == name {
					keep, found = append(keep, p), true
				}
			}
			if !found {
				fail(2, fmt.Errorf("no program %q in %s", name, *corpus))
			}
		}
		progs = keep
	}
	opts := fidelity.Options{CI: *ci, Log: os.Stderr}
	if *runRe != "" {
		if opts.Run, err = regexp.Compile(*runRe); err != nil {
			fail(2, err)
		}
	}
	if opts.Work = *work; opts.Work == "" {
		if opts.Work, err = os.MkdirTemp("", "fidelity-"); err != nil {
			fail(1, err)
		}
	}
	if opts.Work, err = filepath.Abs(opts.Work); err != nil {
		fail(1, err)
	}
	if *check {
		bad := false
		for _, p := range progs {
			problems, err := fidelity.Check(p, opts)
			if err != nil {
				problems = append(problems, err.Error())
			}
			for _, pr := range problems {
				fmt.Fprintf(os.Stderr, "%s: %s\n", p.File, pr)
				bad = true
			}
		}
		if bad {
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "[fidelity] corpus ok")
		return
	}
	if opts.Hotreload = *hot; opts.Hotreload == "" {
		fmt.Fprintln(os.Stderr, "[fidelity] building hotreload")
		if opts.Hotreload, err = fidelity.BuildHotreload(".", filepath.Join(opts.Work, "bin")); err != nil {
			fail(1, err)
		}
	}

	start := time.Now()
	var reports []*fidelity.Report
	var failures []string
	for _, p := range progs {
		r := fidelity.Run(p, opts)
		reports = append(reports, r)
		failures = append(failures, r.Failures()...)
	}
	fidelity.Markdown(os.Stdout, reports)
	if *md != "" {
		f, err := os.Create(*md)
		if err != nil {
			fail(1, err)
		}
		fidelity.Markdown(f, reports)
		f.Close()
	}
	if *js != "" {
		b, _ := json.MarshalIndent(reports, "", "  ")
		if err := os.WriteFile(*js, b, 0o644); err != nil {
			fail(1, err)
		}
	}
	fmt.Fprintf(os.Stderr, "[fidelity] %d programs in %.0f s\n", len(reports), time.Since(start).Seconds())
	if len(failures) > 0 {
		fmt.Fprintln(os.Stderr, "[fidelity] FAILED:")
		for _, f := range failures {
			fmt.Fprintln(os.Stderr, "  "+f)
		}
		os.Exit(1)
	}
}

func fail(code int, err error) {
	fmt.Fprintln(os.Stderr, "fidelity:", err)
	os.Exit(code)
}
