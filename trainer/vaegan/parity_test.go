package vaegan

import (
	"math"
	"math/rand/v2"
	"testing"

	"fmriface/infer/arch"
	"fmriface/infer/nn"
)

// TestInferenceParity checks that the pure-Go inference (package nn, used by the
// exporter and the browser) computes what the gorgonia graph computes, within 1e-4.
func TestInferenceParity(t *testing.T) {
	for _, tc := range []struct {
		preset string
		whiten bool
	}{{"tiny", false}, {"tiny", true}, {"default", false}} {
		name := tc.preset
		if tc.whiten {
			name += "-whitened"
		}
		t.Run(name, func(t *testing.T) {
			cfg, _ := arch.Preset(tc.preset)
			w := trainedLike(t, cfg)
			r := rand.New(rand.NewPCG(4, 5))
			if tc.whiten {
				w = whitenOnRandomImages(t, w, r)
			}
			const n = 3
			s := cfg.ImageSize
			imgs := randomImages(r, n, s)
			in, err := NewInfer(w, n)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			muG, err := in.Encode(imgs, n)
			if err != nil {
				t.Fatal(err)
			}
			z := make([]float32, n*cfg.Latent)
			for i := range z {
				z[i] = float32(r.NormFloat64())
			}
			genG, err := in.Generate(z, n)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := nn.NewEncoder(cfg, w.NNParams())
			if err != nil {
				t.Fatal(err)
			}
			gen, err := nn.NewGenerator(cfg, w.NNParams())
			if err != nil {
				t.Fatal(err)
			}
			mu := make([]float32, cfg.Latent)
			ls := make([]float32, cfg.Latent)
			out := make([]float32, 3*s*s)
			var worstE, worstG float64
			for i := 0; i < n; i++ {
				if err := enc.Encode(imgs[i*3*s*s:(i+1)*3*s*s], mu, ls); err != nil {
					t.Fatal(err)
				}
				for j, v := range mu {
					worstE = math.Max(worstE, math.Abs(float64(v-muG[i*cfg.Latent+j])))
				}
				if err := gen.Generate(z[i*cfg.Latent:(i+1)*cfg.Latent], out); err != nil {
					t.Fatal(err)
				}
				for j, v := range out {
					worstG = math.Max(worstG, math.Abs(float64(v-genG[i*3*s*s+j])))
				}
			}
			t.Logf("max |nn − gorgonia|: encoder μ %.2g, generator %.2g", worstE, worstG)
			if worstE > 1e-4 || worstG > 1e-4 {
				t.Fatalf("parity broken: encoder %.3g, generator %.3g (limit 1e-4)", worstE, worstG)
			}
		})
	}
}

// trainedLike returns weights with non-trivial batch-norm statistics and
// affine parameters, as after training.
func trainedLike(t *testing.T, cfg arch.Config) *Weights {
	t.Helper()
	w, err := NewWeights(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(4, 4))
	for _, p := range w.Params {
		d := w.Data[p.Name]
		switch {
		case hasSuffix(p.Name, ".bn.mean"), hasSuffix(p.Name, ".bn.beta"), hasSuffix(p.Name, ".b"):
			for i := range d {
				d[i] = float32(0.1 * r.NormFloat64())
			}
		case hasSuffix(p.Name, ".bn.var"), hasSuffix(p.Name, ".bn.gamma"):
			for i := range d {
				d[i] = float32(0.5 + r.Float64())
			}
		}
	}
	return w
}

// whitenOnRandomImages whitens w on the latents of 20·Latent random images.
func whitenOnRandomImages(t *testing.T, w *Weights, r *rand.Rand) *Weights {
	t.Helper()
	n := 20 * w.Cfg.Latent
	imgs := randomImages(r, n, w.Cfg.ImageSize)
	in, err := NewInfer(w, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	mu, err := in.EncodeRaw(imgs, n)
	if err != nil {
		t.Fatal(err)
	}
	ww, _, err := Whiten(w, mu, n)
	if err != nil {
		t.Fatal(err)
	}
	return ww
}

// randomImages returns n images of side×side×3 uniform values in [0, 1).
func randomImages(r *rand.Rand, n, side int) []float32 {
	imgs := make([]float32, n*3*side*side)
	for i := range imgs {
		imgs[i] = r.Float32()
	}
	return imgs
}
