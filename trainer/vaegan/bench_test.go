package vaegan

import (
	"math/rand/v2"
	"testing"

	"fmriface/infer/arch"
	"fmriface/trainer/gorgoniablas"
)

// BenchmarkStep measures one full training step (E+G then D) per preset and batch.
// b.N steps of batch n; images/s = n·b.N / elapsed (reported as img/s).
func BenchmarkStep(b *testing.B) {
	gorgoniablas.UseForTraining()
	for _, tc := range []struct {
		name, preset string
		n            int
		noPrior      bool // the trainer's default: no prior samples in the step
	}{{"default", "default", 64, false}, {"default-noprior", "default", 64, true}, {"paper", "paper", 16, false}, {"paper-noprior", "paper", 16, true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg, _ := arch.Preset(tc.preset)
			w, err := NewWeights(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			st, err := NewStepper(w, tc.n, LossWeights{KL: 1, Feat: 0.5, Pix: 50, GAN: 10, NoPriorGAN: tc.noPrior}, 2e-4, 0.5)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			r := rand.New(rand.NewPCG(1, 1))
			x := smoothImages(r, tc.n, cfg.ImageSize)
			eps := make([]float32, tc.n*cfg.Latent)
			zp := make([]float32, tc.n*cfg.Latent)
			for j := range eps {
				eps[j], zp[j] = float32(r.NormFloat64()), float32(r.NormFloat64())
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := st.Step(x, eps, zp); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(tc.n*b.N)/b.Elapsed().Seconds(), "img/s")
		})
	}
}
