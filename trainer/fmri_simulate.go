package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fmriface/face/celeba"
	"fmriface/neuro/sim"
)

// fmriSimulate makes the virtual subjects: a simulated BIDS dataset on the
// real ds001761 protocol (see package neuro/sim and docs/virtual-subjects.md).
func fmriSimulate(ctx context.Context, args []string) error {
	def := sim.DefaultConfig()
	fs := flag.NewFlagSet("fmri simulate", flag.ExitOnError)
	faces := fs.String("faces", "../shared/faces/celeba", "CelebA subset folder")
	cache := fs.String("cache", "out/cache", "pixel cache folder (\"\" = none)")
	splitPath := fs.String("split", "models/default/split.json", "the face model's person split (train/val/test)")
	design := fs.String("design", "../shared/ds001761-design", "BIDS design (events) of ds001761, or the real dataset")
	out := fs.String("out", "out/virtual-ds001761", "output BIDS dataset")
	seed := fs.Int64("seed", def.Seed, "random seed (the output is deterministic for a seed)")
	subjects := fs.String("subjects", strings.Join(def.Subjects, ","), "subjects to simulate, comma-separated")
	noise := fs.String("noise", "", "noise scale per subject, comma-separated (one value = all subjects; default: the brain's calibrated levels, "+
		sim.BrainV1+" "+joinFloats(sim.DefaultNoiseFor(sim.BrainV1))+", "+sim.BrainV2+" "+joinFloats(sim.DefaultNoiseFor(sim.BrainV2))+")")
	grid := fs.String("grid", fmt.Sprintf("%d,%d,%d", def.Grid[0], def.Grid[1], def.Grid[2]), "voxel grid x,y,z")
	voxel := fs.Float64("voxel", def.VoxelMM, "voxel size, mm")
	scale := fs.String("scale", "", "\"real\": the real acquisition grid of ds001761, "+gridString(sim.RealGrid())+" voxels at 3 mm (a brain mask of about 115,000 voxels; fit it with fmri fit --stream; the figure's GLM then reads 4 runs unless --glm-runs says); \"\" = --grid")
	maxRuns := fs.Int("max-runs", 0, "simulate only the first N runs per subject (0 = all)")
	glmRuns := fs.Int("glm-runs", sim.DefaultGLMRuns, "runs of the figure's face-vs-fixation GLM")
	figSub := fs.String("figure-subject", "", "subject of the figure (default: the first)")
	overwrite := fs.Bool("overwrite", false, "replace an earlier simulation in --out")
	brain := fs.String("brain", sim.DefaultBrain, "brain model: v1 (Gabor energy + attributes) or v2 (a visual hierarchy with the face-feature network; docs/virtual-subjects.md)")
	v2 := sim.DefaultBrainV2()
	fs.StringVar(&v2.FeatureModel, "feature-model", v2.FeatureModel, "brain v2: the face-feature network")
	fs.BoolVar(&v2.ColourBlindHigh, "v2-colour-blind", v2.ColourBlindHigh, "brain v2: remove from the high level what the image's colour statistics explain (--v2-colour-blind=false keeps it, as before the calibration over seeds)")
	v2Region := map[int]*string{}
	for r := sim.ROIOccipital; r <= sim.ROIFrontoparietal; r++ {
		p := v2.Regions[r]
		v2Region[r] = fs.String("v2-"+sim.ROINames[r], joinFloats([]float64{p.Low, p.Mid, p.High, p.Gain}),
			"brain v2, "+sim.ROINames[r]+": low,mid,high level shares and gain")
	}
	fs.Parse(args)
	for r, spec := range v2Region {
		v, err := parseFloats(*spec)
		if err != nil || len(v) != 4 {
			return fmt.Errorf("--v2-%s %q: want four numbers low,mid,high,gain", sim.ROINames[r], *spec)
		}
		v2.Regions[r] = sim.RegionV2{Low: v[0], Mid: v[1], High: v[2], Gain: v[3]}
	}

	cfg := def
	cfg.Seed, cfg.VoxelMM, cfg.MaxRuns, cfg.GLMRuns, cfg.FigureSubject = *seed, *voxel, *maxRuns, *glmRuns, *figSub
	cfg.Subjects = strings.Split(*subjects, ",")
	def.Noise = sim.DefaultNoiseFor(*brain)
	if *noise == "" {
		*noise = joinFloats(def.Noise)
	}
	nz, err := parseFloats(*noise)
	if err != nil {
		return fmt.Errorf("--noise: %w", err)
	}
	switch {
	case len(nz) == 1:
		cfg.Noise = make([]float64, len(cfg.Subjects))
		for i := range cfg.Noise {
			cfg.Noise[i] = nz[0]
		}
	case len(nz) == len(cfg.Subjects):
		cfg.Noise = nz
	case !flagWasSet(fs, "noise") && len(cfg.Subjects) <= len(def.Noise):
		// Default levels follow the subject labels 01…04.
		cfg.Noise = nil
		for _, s := range cfg.Subjects {
			i, err := strconv.Atoi(strings.TrimPrefix(s, "sub-"))
			if err != nil || i < 1 || i > len(def.Noise) {
				cfg.Noise = append(cfg.Noise, 1)
			} else {
				cfg.Noise = append(cfg.Noise, def.Noise[i-1])
			}
		}
	default:
		return fmt.Errorf("--noise: %d values for %d subjects", len(nz), len(cfg.Subjects))
	}
	switch *scale {
	case "":
	case "real":
		if flagWasSet(fs, "grid") || flagWasSet(fs, "voxel") {
			return fmt.Errorf("--scale real sets the grid and the voxel size: drop --grid and --voxel")
		}
		*grid, cfg.VoxelMM = gridString(sim.RealGrid()), 3
		if !flagWasSet(fs, "glm-runs") {
			// The figure's GLM holds its runs in memory: 12 runs of the
			// real grid are 2.2 GB on top of the simulation's own.
			cfg.GLMRuns = 4
		}
	default:
		return fmt.Errorf("--scale %q: want real or nothing", *scale)
	}
	g, err := parseFloats(*grid)
	if err != nil || len(g) != 3 {
		return fmt.Errorf("--grid %q: want three sizes x,y,z", *grid)
	}
	for i, v := range g {
		cfg.Grid[i] = int(v)
	}
	if *brain == sim.BrainV2 {
		cfg.Brain, cfg.V2 = sim.BrainV2, v2
	} else if *brain != sim.BrainV1 {
		return fmt.Errorf("--brain %q: want v1 or v2", *brain)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}

	ds, err := celeba.Load(celeba.Options{Dir: *faces, Size: 64, CacheDir: *cache, Progress: os.Stderr})
	if err != nil {
		return err
	}
	split, err := celeba.ReadSplitJSON(*splitPath, ds.Faces)
	if err != nil {
		return err
	}
	pool, err := sim.PoolFromCelebA(ds, split)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "simulate: %d faces (%d train, %d test), subjects %v, noise %v, grid %v at %g mm, seed %d\n",
		len(pool.Faces), len(pool.Train), len(pool.Test), cfg.Subjects, cfg.Noise, cfg.Grid, cfg.VoxelMM, cfg.Seed)
	sum, err := sim.Simulate(ctx, cfg, pool, sim.Options{DesignRoot: *design, Out: *out,
		Command: "trainer fmri simulate " + strings.Join(args, " "), Overwrite: *overwrite, Progress: os.Stderr, FeatureCache: *cache})
	if err != nil {
		return err
	}
	for _, s := range sum.Subjects {
		fmt.Printf("sub-%s: noise %g, %d runs, %d brain voxels (%d cortical: %v), %d faces\n",
			s.Subject, s.Noise, s.Runs, s.Voxels, s.CorticalVoxels, s.ROIVoxels, s.Stimuli)
	}
	if f := sum.Figure; f != nil {
		fmt.Printf("figure: %s\n", filepath.Join(*out, f.Figure))
		for _, r := range []string{"occipital", "temporal", "frontoparietal"} {
			t := f.T[r]
			fmt.Printf("  face vs fixation t, %s: mean %.2f, median %.2f, %.0f%% above 3.1\n", r, t.Mean, t.Median, 100*t.FracAbove3)
		}
	}
	fmt.Printf("wrote %s in %.1f s\n", *out, sum.Seconds)
	return nil
}

func gridString(g [3]int) string { return fmt.Sprintf("%d,%d,%d", g[0], g[1], g[2]) }

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func flagWasSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
