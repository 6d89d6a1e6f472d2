package fold

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"fmriface/infer/arch"
	"fmriface/infer/nn"
)

// randomParams fills every generator parameter of cfg with random values of
// a realistic scale, and batch-norm statistics far from identity.
func randomParams(cfg arch.Config, seed uint64) map[string][]float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := map[string][]float32{}
	for _, p := range cfg.Params() {
		v := make([]float32, p.Size())
		fanIn := 1
		if len(p.Shape) > 1 {
			fanIn = p.Size() / p.Shape[len(p.Shape)-1]
		}
		for i := range v {
			switch {
			case strings.HasSuffix(p.Name, ".bn.gamma"):
				v[i] = float32(1 + 0.3*rng.NormFloat64())
			case strings.HasSuffix(p.Name, ".bn.var"):
				v[i] = float32(0.2 + 2*rng.Float64())
			case strings.HasSuffix(p.Name, ".bn.mean"), strings.HasSuffix(p.Name, ".bn.beta"), strings.HasSuffix(p.Name, ".b"):
				v[i] = float32(0.3 * rng.NormFloat64())
			default:
				v[i] = float32(rng.NormFloat64() / math.Sqrt(float64(fanIn)))
			}
		}
		m[p.Name] = v
	}
	return m
}

func TestFoldedGeneratorMatchesUnfolded(t *testing.T) {
	small := arch.Config{Name: "small", ImageSize: 32, Latent: 24, EncChannels: []int{4, 8}, EncKernel: 3, EncHidden: 8,
		GenChannels: []int{16, 8, 4}, GenKernel: 3, DiscChannels: []int{4}, DiscKernel: 3, FeatureLayer: 1}
	tiny, _ := arch.Preset("tiny")
	for _, cfg := range []arch.Config{tiny, small} {
		t.Run(cfg.Name, func(t *testing.T) {
			params := randomParams(cfg, 7)
			folded, err := Generator(cfg, params)
			if err != nil {
				t.Fatal(err)
			}
			for name := range folded {
				if strings.Contains(name, ".bn.") {
					t.Fatalf("folded generator still has %s", name)
				}
			}
			if len(folded) != len(GeneratorParams(cfg)) {
				t.Fatalf("%d folded tensors, GeneratorParams lists %d", len(folded), len(GeneratorParams(cfg)))
			}
			for _, p := range GeneratorParams(cfg) {
				if len(folded[p.Name]) != p.Size() {
					t.Fatalf("%s: %d values, want %v", p.Name, len(folded[p.Name]), p.Shape)
				}
			}
			ref, err := nn.NewGenerator(cfg, params)
			if err != nil {
				t.Fatal(err)
			}
			np, err := NNParams(cfg, folded)
			if err != nil {
				t.Fatal(err)
			}
			got, err := nn.NewGenerator(cfg, np)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 3))
			n := 3 * cfg.ImageSize * cfg.ImageSize
			a, b := make([]float32, n), make([]float32, n)
			z := make([]float32, cfg.Latent)
			var worst float64
			for trial := 0; trial < 8; trial++ {
				for i := range z {
					z[i] = float32(rng.NormFloat64())
				}
				if err := ref.Generate(z, a); err != nil {
					t.Fatal(err)
				}
				if err := got.Generate(z, b); err != nil {
					t.Fatal(err)
				}
				for i := range a {
					worst = max(worst, math.Abs(float64(a[i]-b[i])))
				}
			}
			t.Logf("largest pixel difference folded vs unfolded: %.3g", worst)
			if worst > 1e-5 {
				t.Fatalf("folded generator differs from the unfolded one by %g > 1e-5", worst)
			}
		})
	}
}

// The identity batch norm of NNParams must make nn's scale exactly 1 and
// its shift exactly the bias, or the app would not run the bundle's layers.
func TestIdentityBatchNormIsExact(t *testing.T) {
	beta := []float32{0, 1.5, -3.25e-3, 7e4, -1e-30}
	gamma, mean, variance := make([]float32, len(beta)), make([]float32, len(beta)), make([]float32, len(beta))
	fill(gamma, 1)
	fill(variance, float32(1-arch.BNEpsilon))
	scale, shift := nn.BNScaleShift(gamma, beta, mean, variance, arch.BNEpsilon)
	for i := range beta {
		if scale[i] != 1 || shift[i] != beta[i] {
			t.Errorf("channel %d: scale %v shift %v, want 1 and %v", i, scale[i], shift[i], beta[i])
		}
	}
}

func TestFoldArithmetic(t *testing.T) {
	// One input channel, two output channels, K = 2 (shape checked by hand).
	w := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	gamma, beta := []float32{2, 0.5}, []float32{1, -1}
	mean, variance := []float32{3, -2}, []float32{4 - arch.BNEpsilon, 1 - arch.BNEpsilon}
	fw, fb, err := foldDeconv(w, []int{1, 2, 2, 2}, gamma, beta, mean, variance, "x.bn.")
	if err != nil {
		t.Fatal(err)
	}
	// scale = [2/2, 0.5/1] = [1, 0.5]; bias = [1 − 3, −1 + 1] = [−2, 0].
	wantW := []float32{1, 2, 3, 4, 2.5, 3, 3.5, 4}
	wantB := []float32{-2, 0}
	for i := range wantW {
		if math.Abs(float64(fw[i]-wantW[i])) > 1e-6 {
			t.Fatalf("weights %v, want %v", fw, wantW)
		}
	}
	for i := range wantB {
		if math.Abs(float64(fb[i]-wantB[i])) > 1e-6 {
			t.Fatalf("bias %v, want %v", fb, wantB)
		}
	}
}

func TestErrors(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	cases := []struct {
		name   string
		edit   func(m map[string][]float32)
		substr string
	}{
		{"missing", func(m map[string][]float32) { delete(m, "gen.deconv1.bn.var") }, "missing tensor gen.deconv1.bn.var"},
		{"short", func(m map[string][]float32) { m["gen.fc.w"] = m["gen.fc.w"][:5] }, "gen.fc.w has 5 values"},
		{"nan", func(m map[string][]float32) { m["gen.deconv2.b"][1] = float32(math.NaN()) }, "gen.deconv2.b[1] is NaN"},
		{"variance", func(m map[string][]float32) { m["gen.deconv1.bn.var"][0] = -1 }, "variance + eps must be positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := randomParams(cfg, 1)
			c.edit(p)
			_, err := Generator(cfg, p)
			if err == nil || !strings.Contains(err.Error(), c.substr) {
				t.Fatalf("error %v, want it to contain %q", err, c.substr)
			}
		})
	}
	folded, err := Generator(cfg, randomParams(cfg, 1))
	if err != nil {
		t.Fatal(err)
	}
	delete(folded, "gen.deconv1.b")
	if _, err := NNParams(cfg, folded); err == nil || !strings.Contains(err.Error(), "gen.deconv1.b") {
		t.Fatalf("NNParams without a bias: %v", err)
	}
}
