package fidelity

import (
	"fmt"
	"path/filepath"
)

// Check validates a program's edits without running anything hot: each
// edit's old text occurs exactly once, and the edited module builds with
// the plain go command (or fails to, for `expect error`). It is the cheap
// first pass when writing a corpus. It returns one line per problem.
func Check(p *Program, opts Options) ([]string, error) {
	o := &oracle{p: p, o: opts, report: &Report{Program: p.Name}}
	if opts.Env == nil {
		o.o.Env = defaultEnv()
	}
	if err := o.fetch(); err != nil {
		return nil, err
	}
	bin := filepath.Join(o.o.Work, p.Name, "check")
	if _, err := run(o.src, o.o.Env, "go", "build", "-o", bin, p.Main); err != nil {
		return nil, fmt.Errorf("the unmodified module does not build: %v", err)
	}
	var problems []string
	for _, e := range p.Edits {
		if (opts.CI && !e.CI) || (opts.Run != nil && !opts.Run.MatchString(e.Name)) {
			continue
		}
		originals, err := o.apply(e, "inplace")
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		_, berr := run(o.src, o.o.Env, "go", "build", "-o", bin, p.Main)
		switch {
		case e.Expect == "error" && berr == nil:
			problems = append(problems, fmt.Sprintf("edit %s: expects error, but the module builds", e.Name))
		case e.Expect == "error" && e.Reason != nil && !e.Reason.MatchString(berr.Error()):
			problems = append(problems, fmt.Sprintf("edit %s: the build fails, but not with %q: %v", e.Name, e.Reason, firstLine(berr.Error())))
		case e.Expect != "error" && berr != nil:
			problems = append(problems, fmt.Sprintf("edit %s: does not build: %v", e.Name, berr))
		}
		if err := o.restore(originals, "inplace"); err != nil {
			return problems, err
		}
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "[fidelity %s] checked %s\n", p.Name, e.Name)
		}
	}
	return problems, nil
}
