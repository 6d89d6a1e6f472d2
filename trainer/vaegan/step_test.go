package vaegan

import (
	"math/rand/v2"
	"testing"

	"fmriface/arch"
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
