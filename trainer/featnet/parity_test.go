package featnet

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fmriface/face/features"
	"fmriface/trainer/vaegan"
	"fmriface/util/ckpt"
)

// compareForward checks every level of CheckForward on n random images:
// the difference must be below tol, or tol relative to the level's largest
// value where that exceeds 1 (random weights give activations in the tens).
func compareForward(t *testing.T, cfg features.Config, w map[string][]float32, n int, tol float64) {
	t.Helper()
	worst, scale, err := CheckForward(cfg, w, randomImages(n, cfg.ImageSize, 5), n)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range worst {
		t.Logf("%s: max |Go − gorgonia| = %.2g (max |value| %.3g)", name, d, scale[name])
		if d > tol*math.Max(1, scale[name]) || math.IsNaN(d) {
			t.Errorf("%s differs by %g (tolerance %g)", name, d, tol)
		}
	}
}

// TestForwardMatchesGraph checks the pure-Go forward pass against the
// gorgonia graph in inference mode, with batch-norm statistics that are far
// from the identity, on random inputs; then again after a few training
// steps, which move the running statistics the Go side folds in.
func TestForwardMatchesGraph(t *testing.T) {
	def := features.Default()
	def.Identities = 17
	cases := []struct {
		name  string
		cfg   features.Config
		train int // training steps before the comparison
	}{
		{"default random weights", def, 0},
		{"small random weights", smallConfig(), 0},
		{"small after training steps", smallConfig(), 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := NewWeights(c.cfg, 1)
			randomize(c.cfg, w, 2)
			if c.train > 0 {
				tr := trainSmall(t, c.cfg, c.train, t.TempDir())
				w = tr.W
			}
			compareForward(t, c.cfg, w, 3, 1e-4)
		})
	}
}

func trainSmall(t *testing.T, net features.Config, steps int, dir string) *Trainer {
	t.Helper()
	const n, batch = 40, 8
	cfg := Config{Net: net, Batch: batch, Epochs: float64(steps) * batch / n, LR: 1e-2, Warmup: 2, Beta1: 0.9, WD: 0.05, WID: 1,
		Seed: 3, Flip: true, TrainImages: n, CheckpointEvery: vaegan.Duration{Duration: time.Hour}}
	tr, err := New(cfg, randomData(net, n, 4), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	if err := tr.Run(context.Background(), io.Discard); err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestShippedModelMatchesGraph repeats the comparison with the committed weights.
func TestShippedModelMatchesGraph(t *testing.T) {
	path := filepath.Join("..", "..", "models", "features", "model.npz")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shipped model")
	}
	f, err := ckpt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var mm features.ModelMeta
	if err := f.DecodeMeta(&mm); err != nil {
		t.Fatal(err)
	}
	w := map[string][]float32{}
	for _, p := range mm.Config.Params() {
		w[p.Name] = f.Tensors[p.Name].Data
	}
	compareForward(t, mm.Config, w, 4, 1e-4)
}
