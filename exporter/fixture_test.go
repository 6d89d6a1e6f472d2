package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/contract/handoff"
	"fmriface/face/pca"
	"fmriface/infer/arch"
	"fmriface/util/ckpt"
)

// randomModel writes a face model of cfg with random weights (encoder and
// generator, batch-norm statistics far from identity) in the layout the
// trainer ships: float16 npz with a "fmriface-vaegan-model/1" record.
func randomModel(t testing.TB, path string, cfg arch.Config, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 2))
	var ts []ckpt.Tensor
	for _, p := range cfg.Params() {
		if p.Net == "disc" {
			continue
		}
		v := make([]float32, p.Size())
		fanIn := 1
		switch {
		case len(p.Shape) == 4 && strings.Contains(p.Name, "deconv"): // (Cin, Cout, K, K): each output sums Cin·K·K/4 inputs
			fanIn = max(1, p.Shape[0]*p.Shape[2]*p.Shape[3]/4)
		case len(p.Shape) == 4:
			fanIn = p.Shape[1] * p.Shape[2] * p.Shape[3]
		case len(p.Shape) == 2:
			fanIn = p.Shape[0]
		}
		for i := range v {
			switch {
			case strings.HasSuffix(p.Name, ".bn.gamma"):
				v[i] = float32(1 + 0.2*rng.NormFloat64())
			case strings.HasSuffix(p.Name, ".bn.var"):
				v[i] = float32(0.5 + rng.Float64())
			case strings.HasSuffix(p.Name, ".bn.mean"), strings.HasSuffix(p.Name, ".bn.beta"), strings.HasSuffix(p.Name, ".b"):
				v[i] = float32(0.2 * rng.NormFloat64())
			default:
				v[i] = float32(rng.NormFloat64() / math.Sqrt(float64(fanIn)))
			}
		}
		ts = append(ts, ckpt.Tensor{Name: p.Name, Shape: p.Shape, Data: v})
	}
	meta := map[string]any{"format": modelFormat, "training": map[string]any{
		"format": checkpointFormat, "step": 100, "saved": "2025-01-02T03:04:05Z", "finished": true,
		"config": map[string]any{"arch": cfg, "seed": seed, "faces": "random weights (test fixture)"},
	}}
	if err := ckpt.Save(path, meta, ts, ckpt.Float16); err != nil {
		t.Fatal(err)
	}
}

// fixture is a complete set of exporter inputs in a temporary folder.
type fixture struct {
	dir, model, axes, fmri, out string
	cfg                         arch.Config
}

func newFixture(t testing.TB, cfg arch.Config, subjects, voxels int) fixture {
	t.Helper()
	return newFixtureIn(t, t.TempDir(), cfg, subjects, voxels)
}

// newFixtureIn is newFixture in a given folder.
func newFixtureIn(t testing.TB, dir string, cfg arch.Config, subjects, voxels int) fixture {
	t.Helper()
	f := fixture{dir: dir, model: filepath.Join(dir, "model", "model.npz"), axes: filepath.Join(dir, "model", "axes.npz"),
		fmri: filepath.Join(dir, "fmri"), out: filepath.Join(dir, "site"), cfg: cfg}
	if err := osMkdir(filepath.Dir(f.model)); err != nil {
		t.Fatal(err)
	}
	randomModel(t, f.model, cfg, 11)
	rng := rand.New(rand.NewPCG(5, 5))
	male, smile := make([]float32, cfg.Latent), make([]float32, cfg.Latent)
	for i := range male {
		male[i], smile[i] = float32(0.3*rng.NormFloat64()), float32(0.3*rng.NormFloat64())
	}
	if err := handoff.WriteAxes(f.axes, &handoff.Axes{Male: male, Smile: smile}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= subjects; i++ {
		id := fmt.Sprintf("sub-%02d", i)
		s, err := handoff.Synthetic(handoff.SyntheticOptions{ID: id, Seed: uint64(i), Latent: cfg.Latent, Voxels: voxels, Noise: 6})
		if err != nil {
			t.Fatal(err)
		}
		if err := handoff.Write(handoff.Path(f.fmri, id), s); err != nil {
			t.Fatal(err)
		}
		// The PCA baseline's subject: its own voxels and fit, latents of
		// the synthetic PCA's size.
		ps, err := handoff.Synthetic(handoff.SyntheticOptions{ID: id, Seed: uint64(100 + i), Latent: fixturePCAK, Voxels: voxels, Noise: 6})
		if err != nil {
			t.Fatal(err)
		}
		ps.Space = handoff.SpacePCA
		if err := handoff.Write(handoff.PCAPath(f.fmri, id), ps); err != nil {
			t.Fatal(err)
		}
	}
	syntheticPCA(t, handoff.PCABasisPath(f.fmri), fixturePCAK, cfg.ImageSize)
	return f
}

// fixturePCAK is the synthetic PCA's number of components.
const fixturePCAK = 24

// syntheticPCA writes a PCA model of k random components of 3·s·s pixels
// whose norms fall like a face PCA's standard deviations (the synthetic
// subjects' latents do not), around a grey mean image: three bands at the
// fixture's size, of very different weight.
func syntheticPCA(t testing.TB, path string, k, s int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(9, 9))
	d := 3 * s * s
	m := &pca.Model{K: k, D: d, Mean: make([]float32, d), Components: make([]float32, k*d), Explained: make([]float64, k),
		Config: pca.Config{N: 100, K: k, Seed: 9}}
	for i := range m.Mean {
		m.Mean[i] = float32(0.5 + 0.1*rng.NormFloat64())
	}
	for r := range k {
		sd := 3 / (1 + float64(r)) / math.Sqrt(float64(d))
		for j := range d {
			m.Components[r*d+j] = float32(sd * rng.NormFloat64())
		}
		m.Explained[r] = 1 / (1 + float64(r))
		m.TotalVar += m.Explained[r] * 1.2
	}
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) args(extra ...string) []string {
	return append([]string{"--model", f.model, "--axes", f.axes, "--fmri", f.fmri, "--out", f.out}, extra...)
}
