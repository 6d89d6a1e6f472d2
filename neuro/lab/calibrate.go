package lab

import (
	"context"
	"fmt"
	"io"
	"math"
)

// FullConfig is the full experiment's settings on a subject: every training
// face of the data, the pipeline's repetitions of a test face, the
// subject's noise scale, all regions, voxels of them (0: all), the paper's
// inversion, in the VAE-GAN space.
func (d *Data) FullConfig(subject string, voxels int, seed uint64) Config {
	c := Config{Subject: subject, Space: SpaceVAEGAN, Train: d.Train, Reps: d.TestReps, Region: "all",
		Voxels: voxels, Decoder: DecoderInversion, Seed: seed}
	if s, err := d.Subject(subject); err == nil {
		c.Noise = s.Noise
	}
	return c
}

// Target is the full pipeline's result on one subject.
type Target struct {
	Subject  string
	Pairwise float64 // VAE-GAN pairwise accuracy, all selected voxels (fraction)
	Voxels   int     // the voxels the lab uses for it
}

// Calibration is CalibrateNoiseUnit's outcome.
type Calibration struct {
	NoiseUnit float64
	Seeds     int
	// Pairwise is the lab's accuracy per subject at NoiseUnit (mean over
	// the seeds), in the order of the targets.
	Pairwise []float64
}

// CalibrateNoiseUnit sets d.NoiseUnit, the one free parameter of the lab's
// noise (the per-trial standard deviation at noise scale 1), so that the
// lab's mean pairwise accuracy over the subjects at their full settings
// (mean over seeds 1…seeds) equals the targets' mean, by bisection on its
// logarithm. The subjects' noise scales then set their differences: each
// subject's own accuracy is the check (CheckAgainst).
func CalibrateNoiseUnit(ctx context.Context, d *Data, targets []Target, seeds int, log io.Writer) (*Calibration, error) {
	if len(targets) == 0 || seeds < 1 {
		return nil, fmt.Errorf("lab: calibration needs targets and seeds (%d, %d)", len(targets), seeds)
	}
	var want float64
	for _, t := range targets {
		want += t.Pairwise / float64(len(targets))
	}
	eval := func(unit float64) ([]float64, float64, error) {
		m, err := Measure(ctx, d, targets, unit, seeds)
		if err != nil {
			return nil, 0, err
		}
		acc := m.Pairwise
		var mean float64
		for _, a := range acc {
			mean += a / float64(len(targets))
		}
		if log != nil {
			fmt.Fprintf(log, "lab calibration: noise unit %.4g → mean pairwise %.4f (target %.4f)\n", unit, mean, want)
		}
		return acc, mean, nil
	}
	lo, hi := math.Log(1e-3), math.Log(1e2)
	var best []float64
	bestUnit := 0.0
	bestGap := math.Inf(1)
	for it := 0; it < 12; it++ { // the bracket narrows to ±1.5 %
		mid := (lo + hi) / 2
		acc, mean, err := eval(math.Exp(mid))
		if err != nil {
			return nil, err
		}
		if g := math.Abs(mean - want); g < bestGap {
			best, bestUnit, bestGap = acc, math.Exp(mid), g
		}
		if mean > want {
			lo = mid // too accurate: more noise
		} else {
			hi = mid
		}
	}
	d.NoiseUnit = bestUnit
	return &Calibration{NoiseUnit: bestUnit, Seeds: seeds, Pairwise: best}, nil
}

// Measure runs the full settings of each target's subject at a given noise
// unit (mean over seeds 1…seeds), setting d.NoiseUnit: the check of a unit
// calibrated before.
func Measure(ctx context.Context, d *Data, targets []Target, unit float64, seeds int) (*Calibration, error) {
	if !(unit > 0) || seeds < 1 {
		return nil, fmt.Errorf("lab: noise unit %v and seeds %d must be positive", unit, seeds)
	}
	d.NoiseUnit = unit
	var cache Cache
	c := &Calibration{NoiseUnit: unit, Seeds: seeds, Pairwise: make([]float64, len(targets))}
	for i, t := range targets {
		for s := 1; s <= seeds; s++ {
			res, err := Run(ctx, d, d.FullConfig(t.Subject, t.Voxels, uint64(s)), &cache, nil)
			if err != nil {
				return nil, err
			}
			c.Pairwise[i] += res.Pairwise.Accuracy / float64(seeds)
		}
	}
	return c, nil
}

// CheckAgainst reports the subjects whose lab accuracy in c is more than tol
// (a fraction) from the pipeline's.
func (c *Calibration) CheckAgainst(targets []Target, tol float64) error {
	for i, t := range targets {
		if diff := c.Pairwise[i] - t.Pairwise; math.Abs(diff) > tol {
			return fmt.Errorf("lab: %s: pairwise %.1f %% in the lab, %.1f %% in the full pipeline (more than %.0f points apart)",
				t.Subject, 100*c.Pairwise[i], 100*t.Pairwise, 100*tol)
		}
	}
	return nil
}
