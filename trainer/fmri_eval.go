package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fmriface/neuro/analysis"
	"fmriface/neuro/score"
	"fmriface/util/atomicfile"
	"fmriface/util/version"
)

// fmriEval scores every subject's results (written by `fmri fit`) with the
// paper's measures and writes the evaluation JSON (see analysis.Evaluation).
func fmriEval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fmri eval", flag.ExitOnError)
	dir := fs.String("dir", "out/fmri", "folder of the fit's sub-XX/results.npz")
	out := fs.String("out", "", "evaluation JSON to write (default: <dir>/eval.json)")
	asJSON := fs.Bool("json", false, "print the JSON on stdout (else a short table)")
	draws := fs.Int("draws", score.DefaultDraws, "Monte-Carlo draws of the pairwise p-value (paper: 10⁶)")
	seed := fs.Uint64("seed", 1, "Monte-Carlo seed")
	fs.Parse(args)
	start := time.Now()
	if *out == "" {
		*out = filepath.Join(*dir, "eval.json")
	}
	paths, err := filepath.Glob(filepath.Join(*dir, "sub-*", analysis.ResultFileName))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("no %s under %s: run `trainer fmri fit` first", analysis.ResultFileName, *dir)
	}
	sort.Strings(paths)
	ev := &analysis.Evaluation{Command: append([]string{"trainer", "fmri", "eval"}, args...), CodeVersion: version.String(),
		Draws: *draws, Seed: *seed}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := analysis.ReadResult(p)
		if err != nil {
			return err
		}
		se, err := analysis.Evaluate(r, analysis.EvalOptions{Draws: *draws, Seed: *seed})
		if err != nil {
			return err
		}
		ev.Subjects = append(ev.Subjects, se)
	}
	ev.Summarize()
	ev.Seconds = time.Since(start).Seconds()
	js, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(*out, append(js, '\n'), 0o644); err != nil {
		return err
	}
	if *asJSON {
		fmt.Println(string(js))
		return nil
	}
	fmt.Print(ev.Table())
	fmt.Fprintf(os.Stderr, "wrote %s (%s) in %.1f s\n", *out, strings.Join(subjectIDs(ev), ", "), ev.Seconds)
	return nil
}

func subjectIDs(ev *analysis.Evaluation) []string {
	var out []string
	for _, s := range ev.Subjects {
		out = append(out, s.Subject)
	}
	return out
}
