package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fmriface/neuro/haxby"
	"fmriface/util/version"
)

// realCommands lists the analyses of real fMRI data.
func realCommands() map[string]func(context.Context, []string) error {
	return map[string]func(context.Context, []string) error{
		"haxby": realHaxby,
	}
}

const realHaxbyUsage = `usage: trainer real haxby [flags]

Decodes the object category from the real fMRI of Haxby et al. (2001),
subject 1, one axial slice (the folder described in its README.md): one GLM
per run with the project's neuro/glm, leave-one-run-out decoding with Haxby's
correlation method and a shrinkage LDA, Haxby's odd/even split half, a
permutation test with labels shuffled within runs, and a face > others t map.
Writes <out>/results.json, <out>/README.md and PNG figures (about 20 s).

flags:
`

// realHaxby parses the flags and runs neuro/haxby.
func realHaxby(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("real haxby", flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), realHaxbyUsage); fs.PrintDefaults() }
	data := fs.String("data", "../shared/real/haxby2001", "the haxby2001 folder (sub-1/run-NNN/…); never copied into the repository")
	out := fs.String("out", "reports/haxby", "report folder (results.json, README.md, PNG figures)")
	perms := fs.Int("permutations", 1000, "label permutations per method for the p-values (0: none)")
	seed := fs.Uint64("seed", 1, "seed of the permutations")
	workers := fs.Int("workers", 0, "goroutines for the permutations (0: all CPUs; the results do not depend on it)")
	fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("real haxby: unexpected argument %q", fs.Arg(0))
	}
	if *perms < 0 {
		return fmt.Errorf("real haxby: --permutations %d is negative", *perms)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	d, err := haxby.Load(*data, os.Stderr)
	if err != nil {
		return err
	}
	a, err := haxby.Analyze(d, haxby.Options{Permutations: *perms, Seed: *seed, Workers: *workers, Progress: os.Stderr})
	if err != nil {
		return err
	}
	cmd := fmt.Sprintf("go run ./trainer real haxby --data %s --out %s --permutations %d --seed %d", *data, *out, *perms, *seed)
	r, err := haxby.WriteReport(a, *out, *data, version.String(), cmd)
	if err != nil {
		return err
	}
	for _, m := range r.Methods {
		fmt.Printf("%-24s 8-way %5.1f %% (p %.4f)  pairwise %5.1f %%  faces vs houses %5.1f %%\n", m.Name, 100*m.Accuracy, m.PValue, 100*m.Pairwise, 100*m.FaceVsHouse)
	}
	fmt.Printf("wrote %s (%s)\n", filepath.Join(*out, "README.md"), time.Since(start).Round(100*time.Millisecond))
	return nil
}
