package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"fmriface/infer/arch"
)

// BenchmarkGenerate decodes one face per iteration with random weights and
// reports milliseconds per face and the multiply-add rate.
func BenchmarkGenerate(b *testing.B) {
	for _, name := range []string{"default", "paper"} {
		b.Run(name, func(b *testing.B) {
			cfg, _ := arch.Preset(name)
			g, err := NewGenerator(cfg, randomNetParams(cfg, "gen", 1))
			if err != nil {
				b.Fatal(err)
			}
			z := randVec(rand.New(rand.NewPCG(2, 2)), cfg.Latent, 1)
			out := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
			if err := g.Generate(z, out); err != nil { // warm up the JIT
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := g.Generate(z, out); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(sec*1e3, "ms/face")
			b.ReportMetric(2*float64(cfg.GenMACs())/sec/1e9, "GFLOP/s")
			b.ReportMetric(float64(g.Steps()), "steps/face")
		})
	}
}

// BenchmarkEncode encodes one image per iteration with random weights.
func BenchmarkEncode(b *testing.B) {
	cfg, _ := arch.Preset("default")
	e, err := NewEncoder(cfg, randomNetParams(cfg, "enc", 1))
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	img := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
	for i := range img {
		img[i] = r.Float32()
	}
	mu, ls := make([]float32, cfg.Latent), make([]float32, cfg.Latent)
	for b.Loop() {
		if err := e.Encode(img, mu, ls); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms/image")
}

// BenchmarkActivations applies each activation to 61,440 values, the number
// of ELU outputs of the default generator.
func BenchmarkActivations(b *testing.B) {
	x0 := randVec(rand.New(rand.NewPCG(4, 4)), 61440, 2)
	x := make([]float32, len(x0))
	for _, c := range []struct {
		name string
		f    func([]float32)
	}{
		{"elu", ELU}, {"sigmoid", Sigmoid}, {"tanh", func(x []float32) { Tanh(x, 1) }},
		// The float64 math package, which these replace.
		{"elu_math", func(x []float32) {
			for i, v := range x {
				if v <= 0 {
					x[i] = float32(math.Expm1(float64(v)))
				}
			}
		}},
		{"sigmoid_math", func(x []float32) {
			for i, v := range x {
				x[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				copy(x, x0)
				c.f(x)
			}
		})
	}
}
