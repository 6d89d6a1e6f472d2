package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fmriface/neuro/analysis"
)

// fmriReport renders the evaluation (and the decoded faces) as a Markdown
// page with PNG figures, the paper's numbers beside ours.
func fmriReport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fmri report", flag.ExitOnError)
	dir := fs.String("dir", "out/fmri", "folder of the fit's results and eval.json")
	evalPath := fs.String("eval", "", "evaluation JSON (default: <dir>/eval.json)")
	out := fs.String("out", "reports/fmri", "report folder (README.md + PNG figures)")
	intro := fs.String("intro", "", "Markdown file placed after the title (default: <out>/intro.md if present)")
	outro := fs.String("outro", "", "Markdown file placed at the end (default: <out>/discussion.md if present)")
	faces := fs.Bool("face-grids", true, "draw each subject's test faces as shown and decoded (reads <dir>/sub-XX/results.npz)")
	compare := fs.String("compare", "", "another brain's evaluation JSON to show beside this one (e.g. reports/fmri/brain-v1/eval.json)")
	fs.Parse(args)
	if *evalPath == "" {
		*evalPath = filepath.Join(*dir, "eval.json")
	}
	b, err := os.ReadFile(*evalPath)
	if err != nil {
		return fmt.Errorf("%w (run `trainer fmri eval` first)", err)
	}
	var ev analysis.Evaluation
	if err := json.Unmarshal(b, &ev); err != nil {
		return fmt.Errorf("read %s: %w", *evalPath, err)
	}
	in := analysis.ReportInput{Eval: &ev, Out: *out, Title: "fMRI decoding of faces: our pipeline beside VanRullen & Reddy (2019)"}
	if *compare != "" {
		b, err := os.ReadFile(*compare)
		if err != nil {
			return fmt.Errorf("--compare: %w", err)
		}
		in.Compare = &analysis.Evaluation{}
		if err := json.Unmarshal(b, in.Compare); err != nil {
			return fmt.Errorf("read %s: %w", *compare, err)
		}
		if len(in.Compare.Subjects) == 0 {
			return fmt.Errorf("read %s: no evaluated subjects", *compare)
		}
	}
	for _, s := range ev.Subjects {
		if !*faces {
			break
		}
		r, err := analysis.ReadResult(analysis.ResultPath(*dir, s.Subject))
		if err != nil {
			return err
		}
		in.Results = append(in.Results, r)
	}
	read := func(flagVal, def string) (string, error) {
		p := flagVal
		if p == "" {
			p = filepath.Join(*out, def)
			if _, err := os.Stat(p); err != nil {
				return "", nil
			}
		}
		b, err := os.ReadFile(p)
		return strings.TrimSpace(string(b)) + "\n", err
	}
	if in.Intro, err = read(*intro, "intro.md"); err != nil {
		return err
	}
	if in.Outro, err = read(*outro, "discussion.md"); err != nil {
		return err
	}
	if err := analysis.WriteReport(in); err != nil {
		return err
	}
	fmt.Printf("wrote %s\n", filepath.Join(*out, "README.md"))
	return nil
}
