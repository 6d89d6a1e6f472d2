package vaegan

import (
	"math"
	"math/rand/v2"
	"testing"

	"fmriface/infer/arch"
)

// smoothImages returns n simple images (colour blobs) that a tiny model can learn.
func smoothImages(r *rand.Rand, n, s int) []float32 {
	x := make([]float32, n*3*s*s)
	for i := 0; i < n; i++ {
		cx, cy := r.Float64()*float64(s), r.Float64()*float64(s)
		for c := 0; c < 3; c++ {
			base := r.Float64()
			for y := 0; y < s; y++ {
				for xx := 0; xx < s; xx++ {
					d := ((float64(xx)-cx)*(float64(xx)-cx) + (float64(y)-cy)*(float64(y)-cy)) / float64(s*s)
					x[((i*3+c)*s+y)*s+xx] = float32(base * (1 - d))
				}
			}
		}
	}
	return x
}

func TestStepsLowerLoss(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	w, err := NewWeights(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	st, err := NewStepper(w, n, LossWeights{KL: 1, Feat: 0.5, Pix: 50, GAN: 1}, 2e-3, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(1, 1))
	data := smoothImages(r, n, cfg.ImageSize)
	eps := make([]float32, n*cfg.Latent)
	zp := make([]float32, n*cfg.Latent)
	var first, last float64
	for i := 0; i < 60; i++ {
		for j := range eps {
			eps[j] = float32(r.NormFloat64())
			zp[j] = float32(r.NormFloat64())
		}
		l, err := st.Step(data, eps, zp)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = l.Pix
		}
		last = l.Pix
		if i%10 == 0 {
			t.Logf("step %d: %+v", i, l)
		}
	}
	if !(last < 0.5*first) {
		t.Fatalf("pixel loss %v → %v: did not halve", first, last)
	}
}

// latentMeanSq is ‖mean of μ over x‖² for the model's current weights.
func latentMeanSq(t *testing.T, w *Weights, x []float32, n int) float64 {
	t.Helper()
	in, err := NewInfer(w, n)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	z, err := in.Encode(x, n)
	if err != nil {
		t.Fatal(err)
	}
	L := w.Cfg.Latent
	var s float64
	for k := 0; k < L; k++ {
		var m float64
		for i := 0; i < n; i++ {
			m += float64(z[i*L+k])
		}
		m /= float64(n)
		s += m * m
	}
	return s
}

// TestTrainingRules checks the knobs that keep the GAN balanced: the
// centring term pulls the latent mean towards zero, and the discriminator
// floor stops the discriminator's updates.
func TestTrainingRules(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	const n = 8
	run := func(lw LossWeights, steps int) (*Weights, []Losses, []float32) {
		w, err := NewWeights(cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		st, err := NewStepper(w, n, lw, 2e-3, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		r := rand.New(rand.NewPCG(2, 2))
		data := smoothImages(r, n, cfg.ImageSize)
		eps := make([]float32, n*cfg.Latent)
		zp := make([]float32, n*cfg.Latent)
		var ls []Losses
		for range steps {
			for j := range eps {
				eps[j] = float32(r.NormFloat64())
				zp[j] = float32(r.NormFloat64())
			}
			l, err := st.Step(data, eps, zp)
			if err != nil {
				t.Fatal(err)
			}
			ls = append(ls, l)
		}
		return w, ls, data
	}
	base := LossWeights{KL: 1, Feat: 0.5, Pix: 50, GAN: 1}
	w0, _, data := run(base, 60)
	centred := base
	centred.Center = 20000
	w1, _, _ := run(centred, 60)
	m0, m1 := latentMeanSq(t, w0, data, n), latentMeanSq(t, w1, data, n)
	t.Logf("‖mean μ‖²: %.4f without centring, %.4f with", m0, m1)
	if !(m1 < 0.5*m0) {
		t.Errorf("centring term: ‖mean μ‖² %.4f, want below half of %.4f", m1, m0)
	}

	noPrior := base
	noPrior.NoPriorGAN = true
	_, ls, _ := run(noPrior, 40)
	if first, last := ls[0].Pix, ls[len(ls)-1].Pix; !(last < 0.7*first) || math.IsNaN(ls[len(ls)-1].GANG) {
		t.Errorf("without prior samples: pixel loss %v → %v, GAN term %v", first, last, ls[len(ls)-1].GANG)
	}

	tests := []struct {
		name    string
		floor   float64
		updates bool
	}{
		{"no floor", 0, true},
		{"floor above any loss", 1e9, false},
	}
	for _, tc := range tests {
		lw := base
		lw.DFloor = tc.floor
		_, ls, _ := run(lw, 3)
		for i, l := range ls {
			if l.DUpdated != tc.updates {
				t.Errorf("%s: step %d: discriminator updated = %v, want %v", tc.name, i, l.DUpdated, tc.updates)
			}
		}
	}
}
