package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"fmriface/infer/arch"
)

// randomParams draws every parameter of cfg: weights scaled by 1/sqrt(fan-in)
// so activations stay in a sensible range, positive BN variances.
func randomParams(cfg arch.Config, seed uint64) map[string][]float32 {
	return randomNetParams(cfg, "", seed)
}

// randomNetParams is randomParams for one net ("" for all).
func randomNetParams(cfg arch.Config, net string, seed uint64) map[string][]float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	m := map[string][]float32{}
	for _, p := range cfg.Params() {
		if net != "" && p.Net != net {
			continue
		}
		fanIn := 1
		if len(p.Shape) > 1 {
			fanIn = p.Size() / p.Shape[0]
			if strings.Contains(p.Name, "deconv") {
				fanIn = p.Shape[0] * p.Shape[2] * p.Shape[3] / 4 // stride 2: a quarter of the taps hit each pixel
			} else if strings.HasSuffix(p.Name, "fc.w") || strings.HasSuffix(p.Name, "mu.w") || strings.HasSuffix(p.Name, "logsigma.w") {
				fanIn = p.Shape[0]
			}
		}
		// Uniform with unit variance: much cheaper than normal draws under wasm.
		v := make([]float32, p.Size())
		sc := float32(math.Sqrt(3 / float64(fanIn)))
		for i := range v {
			v[i] = (2*r.Float32() - 1) * sc
		}
		switch {
		case strings.HasSuffix(p.Name, ".bn.var"):
			for i := range v {
				v[i] = float32(0.5 + r.Float64())
			}
		case strings.HasSuffix(p.Name, ".bn.gamma"):
			for i := range v {
				v[i] = float32(0.8 + 0.4*r.Float64())
			}
		case strings.HasSuffix(p.Name, ".bn.mean") || strings.HasSuffix(p.Name, ".bn.beta") || strings.HasSuffix(p.Name, ".b"):
			for i := range v {
				v[i] = float32(0.1 * r.NormFloat64())
			}
		}
		m[p.Name] = v
	}
	return m
}

func elu64(x []float32) {
	for i, v := range x {
		if v <= 0 {
			x[i] = float32(math.Exp(float64(v)) - 1)
		}
	}
}

// referenceGenerate runs the generator with the direct layers and unfolded
// batch norm.
func referenceGenerate(cfg arch.Config, p map[string][]float32, z []float32) []float32 {
	s := cfg.GenSize()
	c0 := cfg.GenChannels[0]
	h := make([]float32, c0*s*s)
	for j := range h {
		v := float64(p["gen.fc.b"][j])
		for i, zi := range z {
			v += float64(zi) * float64(p["gen.fc.w"][i*len(h)+j])
		}
		h[j] = float32(v)
	}
	elu64(h)
	pad, op := arch.DeconvPad(cfg.GenKernel)
	for i, cin := range cfg.GenChannels {
		name := fmt.Sprintf("gen.deconv%d", i+1)
		last := i+1 == len(cfg.GenChannels)
		cout := 3
		if !last {
			cout = cfg.GenChannels[i+1]
		}
		l := Deconv2D{Cin: cin, Cout: cout, K: cfg.GenKernel, Stride: 2, Pad: pad, OutPad: op, W: p[name+".w"]}
		if last {
			l.B = p[name+".b"]
		}
		h = naiveDeconv(&l, h, s, s)
		s = l.OutSize(s)
		if last {
			for j, v := range h {
				h[j] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		} else {
			batchNorm(h, p[name+".bn.gamma"], p[name+".bn.beta"], p[name+".bn.mean"], p[name+".bn.var"], arch.BNEpsilon)
			elu64(h)
		}
	}
	return h
}

// referenceEncode runs the encoder with the direct layers and unfolded batch norm.
func referenceEncode(cfg arch.Config, p map[string][]float32, img []float32) (mu, logSigma []float32) {
	x, s, in := img, cfg.ImageSize, 3
	for i, cout := range cfg.EncChannels {
		name := fmt.Sprintf("enc.conv%d", i+1)
		l := Conv2D{Cin: in, Cout: cout, K: cfg.EncKernel, Stride: 2, Pad: arch.ConvPad(cfg.EncKernel), W: p[name+".w"]}
		x = naiveConv(&l, x, s, s)
		batchNorm(x, p[name+".bn.gamma"], p[name+".bn.beta"], p[name+".bn.mean"], p[name+".bn.var"], arch.BNEpsilon)
		elu64(x)
		s, in = l.OutSize(s), cout
	}
	linear := func(x []float32, name string) []float32 {
		b := p[name+".b"]
		w := p[name+".w"]
		y := make([]float32, len(b))
		for j := range y {
			v := float64(b[j])
			for i, xi := range x {
				v += float64(xi) * float64(w[i*len(y)+j])
			}
			y[j] = float32(v)
		}
		return y
	}
	h := linear(x, "enc.fc")
	mu = linear(h, "enc.mu")
	logSigma = linear(h, "enc.logsigma")
	for j := range mu {
		mu[j] = float32(math.Tanh(float64(mu[j])))
		logSigma[j] = float32(0.5 * math.Tanh(float64(logSigma[j])))
	}
	return mu, logSigma
}

// smallConfigs are tiny and a second small shape with kernel 4 in the
// generator (output padding 0) and kernel 3 in the encoder.
func smallConfigs(t *testing.T) []arch.Config {
	tiny, err := arch.Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	other := tiny
	other.Name = "tiny-k4"
	other.ImageSize, other.Latent = 32, 10
	other.EncChannels, other.EncKernel, other.EncHidden = []int{5, 6, 7}, 3, 12
	other.GenChannels, other.GenKernel = []int{9, 6, 5}, 4
	return []arch.Config{tiny, other}
}

// TestGeneratorOwning: the owning constructor keeps the caller's slices (no
// copy) and generates what the copying one does.
func TestGeneratorOwning(t *testing.T) {
	for _, cfg := range smallConfigs(t) {
		t.Run(cfg.Name, func(t *testing.T) {
			copied, err := NewGenerator(cfg, randomNetParams(cfg, "gen", 11))
			if err != nil {
				t.Fatal(err)
			}
			p := randomNetParams(cfg, "gen", 11)
			fcW := p["gen.fc.w"]
			owning, err := NewGeneratorOwning(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			if &owning.fc.W[0] != &fcW[0] {
				t.Fatal("NewGeneratorOwning copied gen.fc.w")
			}
			z := randVec(rand.New(rand.NewPCG(12, 12)), cfg.Latent, 1)
			want, got := make([]float32, 3*cfg.ImageSize*cfg.ImageSize), make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
			if err := copied.Generate(z, want); err != nil {
				t.Fatal(err)
			}
			if err := owning.Generate(z, got); err != nil {
				t.Fatal(err)
			}
			assertClose(t, "owning vs copying", got, want, 0)
		})
	}
}

func TestGeneratorMatchesReference(t *testing.T) {
	// default: its layers are split over many steps (row and channel slices).
	def, _ := arch.Preset("default")
	for _, cfg := range append(smallConfigs(t), def) {
		t.Run(cfg.Name, func(t *testing.T) {
			p := randomNetParams(cfg, "gen", 11)
			g, err := NewGenerator(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(12, 12))
			out := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
			for trial := range 2 {
				z := randVec(r, cfg.Latent, 1)
				if err := g.Generate(z, out); err != nil {
					t.Fatal(err)
				}
				want := referenceGenerate(cfg, p, z)
				assertClose(t, fmt.Sprintf("trial %d", trial), out, want, 1e-4)
				for i, v := range out {
					if !(v >= 0 && v <= 1) {
						t.Fatalf("out[%d] = %v outside [0,1]", i, v)
					}
				}
			}
		})
	}
}

func TestGeneratorStepsEqualGenerate(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	g, err := NewGenerator(cfg, randomParams(cfg, 13))
	if err != nil {
		t.Fatal(err)
	}
	if !g.Step() {
		t.Error("Step before Begin has work to do")
	}
	r := rand.New(rand.NewPCG(14, 14))
	z1, z2 := randVec(r, cfg.Latent, 1), randVec(r, cfg.Latent, 1)
	want := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
	if err := g.Generate(z2, want); err != nil {
		t.Fatal(err)
	}
	// Interrupt a face half way, then decode another: no state leaks.
	if err := g.Begin(z1); err != nil {
		t.Fatal(err)
	}
	g.Step()
	if err := g.Begin(z2); err != nil {
		t.Fatal(err)
	}
	steps := 0
	for !g.Step() {
		steps++
	}
	if steps+1 != g.Steps() {
		t.Errorf("took %d steps, Steps() = %d", steps+1, g.Steps())
	}
	if !g.Step() {
		t.Error("Step after completion reports more work")
	}
	assertClose(t, "stepped", g.Image(), want, 0)
}

func TestEncoderMatchesReference(t *testing.T) {
	for _, cfg := range smallConfigs(t) {
		t.Run(cfg.Name, func(t *testing.T) {
			p := randomParams(cfg, 21)
			e, err := NewEncoder(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(22, 22))
			mu := make([]float32, cfg.Latent)
			ls := make([]float32, cfg.Latent)
			for trial := range 3 {
				img := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
				for i := range img {
					img[i] = r.Float32()
				}
				if err := e.Encode(img, mu, ls); err != nil {
					t.Fatal(err)
				}
				wantMu, wantLS := referenceEncode(cfg, p, img)
				assertClose(t, fmt.Sprintf("mu %d", trial), mu, wantMu, 1e-4)
				assertClose(t, fmt.Sprintf("logsigma %d", trial), ls, wantLS, 1e-4)
			}
		})
	}
}

func TestNoAllocations(t *testing.T) {
	for _, name := range []string{"tiny", "default"} {
		cfg, _ := arch.Preset(name)
		g, err := NewGenerator(cfg, randomNetParams(cfg, "gen", 31))
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewEncoder(cfg, randomNetParams(cfg, "enc", 32))
		if err != nil {
			t.Fatal(err)
		}
		z := make([]float32, cfg.Latent)
		ls := make([]float32, cfg.Latent)
		out := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
		if a := testing.AllocsPerRun(2, func() {
			if err := g.Generate(z, out); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: Generate allocates %v times per call", name, a)
		}
		if a := testing.AllocsPerRun(2, func() {
			if err := e.Encode(out, z, ls); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: Encode allocates %v times per call", name, a)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	cases := []struct {
		name   string
		edit   func(map[string][]float32)
		cfg    func(*arch.Config)
		errHas string
	}{
		{"missing", func(m map[string][]float32) { delete(m, "gen.deconv1.w") }, nil, "missing parameter gen.deconv1.w"},
		{"missing enc", func(m map[string][]float32) { delete(m, "enc.mu.b") }, nil, "missing parameter enc.mu.b"},
		{"short", func(m map[string][]float32) { m["gen.fc.w"] = m["gen.fc.w"][1:] }, nil, "gen.fc.w has 2047 values"},
		{"long", func(m map[string][]float32) { m["enc.conv2.w"] = append(m["enc.conv2.w"], 0) }, nil, "enc.conv2.w has"},
		{"nan", func(m map[string][]float32) { m["gen.deconv2.b"][1] = float32(math.NaN()) }, nil, "gen.deconv2.b[1] is NaN"},
		{"inf", func(m map[string][]float32) { m["enc.fc.w"][3] = float32(math.Inf(1)) }, nil, "enc.fc.w[3] is +Inf"},
		{"negative variance", func(m map[string][]float32) { m["gen.deconv1.bn.var"][0] = -1 }, nil, "negative variance"},
		{"bad config", nil, func(c *arch.Config) { c.ImageSize = 15 }, "not divisible"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc := cfg
			if c.cfg != nil {
				c.cfg(&cc)
			}
			p := randomParams(cfg, 41)
			if c.edit != nil {
				c.edit(p)
			}
			_, errG := NewGenerator(cc, p)
			_, errE := NewEncoder(cc, p)
			err := errG
			if strings.HasPrefix(c.errHas, "enc") || strings.Contains(c.errHas, " enc.") {
				err = errE
			}
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("error %v, want one containing %q", err, c.errHas)
			}
		})
	}
}

func TestCallErrors(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	p := randomParams(cfg, 51)
	g, err := NewGenerator(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEncoder(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	img := make([]float32, 3*16*16)
	z := make([]float32, 16)
	nan := append([]float32(nil), img...)
	nan[5] = float32(math.NaN())
	cases := []struct {
		name string
		err  error
	}{
		{"short z", g.Generate(z[1:], img)},
		{"short out", g.Generate(z, img[1:])},
		{"begin short z", g.Begin(make([]float32, 17))},
		{"short image", e.Encode(img[1:], z, z)},
		{"short mu", e.Encode(img, z[1:], z)},
		{"nan image", e.Encode(nan, z, make([]float32, 16))},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// The callers' maps must not change when batch norm is folded.
func TestParamsNotModified(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	p := randomParams(cfg, 61)
	keep := randomParams(cfg, 61)
	if _, err := NewGenerator(cfg, p); err != nil {
		t.Fatal(err)
	}
	if _, err := NewEncoder(cfg, p); err != nil {
		t.Fatal(err)
	}
	for k, v := range keep {
		assertClose(t, k, p[k], v, 0)
	}
}

func TestLatentMapErrors(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	l := cfg.Latent
	cases := []struct {
		name   string
		mean   []float32
		a      []float32
		errHas string
	}{
		{"mean alone", make([]float32, l), nil, "must come together"},
		{"matrix alone", nil, make([]float32, l*l), "must come together"},
		{"short matrix", make([]float32, l), make([]float32, l*l-1), "latent map has"},
		{"nan", make([]float32, l), append(make([]float32, l*l-1), float32(math.NaN())), "is NaN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := randomParams(cfg, 41)
			if c.mean != nil {
				p["latent.mean"] = c.mean
			}
			if c.a != nil {
				p["latent.whiten"] = c.a
			}
			_, err := NewEncoder(cfg, p)
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("error %v, want one containing %q", err, c.errHas)
			}
		})
	}
}

// denseRows is a RowSource over a dense matrix, counting the rows it gave.
type denseRows struct {
	w     []float32
	cols  int
	given int
}

func (d *denseRows) Rows(r0, r1 int, dst []float32) {
	copy(dst, d.w[r0*d.cols:r1*d.cols])
	d.given += r1 - r0
}

func (d *denseRows) AddRows(r0, r1 int, coef, dst []float32) {
	for r := r0; r < r1; r++ {
		for j, v := range d.w[r*d.cols : (r+1)*d.cols] {
			dst[j] += coef[r-r0] * v
		}
	}
	d.given += r1 - r0
}

// TestGeneratorLazyFC: a generator whose first layer is read from a
// RowSource makes the images of the dense one, before, during and after
// MaterializeFC, and switches to the dense weights only between images.
func TestGeneratorLazyFC(t *testing.T) {
	for _, cfg := range append(smallConfigs(t), mustPreset(t, "default")) {
		t.Run(cfg.Name, func(t *testing.T) {
			p := randomNetParams(cfg, "gen", 21)
			dense, err := NewGenerator(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			src := &denseRows{w: p["gen.fc.w"], cols: len(p["gen.fc.w"]) / cfg.Latent}
			delete(p, "gen.fc.w")
			lazy, err := NewGeneratorLazyFC(cfg, p, src)
			if err != nil {
				t.Fatal(err)
			}
			n := 3 * cfg.ImageSize * cfg.ImageSize
			want, got := make([]float32, n), make([]float32, n)
			check := func(what string, seed uint64) {
				t.Helper()
				z := randVec(rand.New(rand.NewPCG(seed, seed)), cfg.Latent, 1)
				if err := dense.Generate(z, want); err != nil {
					t.Fatal(err)
				}
				if err := lazy.Generate(z, got); err != nil {
					t.Fatal(err)
				}
				assertClose(t, what, got, want, 1e-5)
			}
			check("from the rows", 1)
			if src.given != cfg.Latent {
				t.Errorf("one image read %d rows, want %d", src.given, cfg.Latent)
			}
			// Half materialized, then complete in the middle of an image:
			// that image finishes from the rows, the next uses the matrix.
			if lazy.MaterializeFC(cfg.Latent / 2) {
				t.Fatal("half the rows reported complete")
			}
			check("half materialized", 2)
			z := randVec(rand.New(rand.NewPCG(3, 3)), cfg.Latent, 1)
			if err := lazy.Begin(z); err != nil {
				t.Fatal(err)
			}
			lazy.Step()
			if !lazy.MaterializeFC(cfg.Latent) {
				t.Fatal("all rows not complete")
			}
			for !lazy.Step() {
			}
			if err := dense.Generate(z, want); err != nil {
				t.Fatal(err)
			}
			assertClose(t, "completed mid-image", lazy.Image(), want, 1e-5)
			before := src.given
			check("dense after", 4)
			if src.given != before || lazy.lazy.src != nil {
				t.Errorf("the source was read after the matrix was complete (%d → %d rows)", before, src.given)
			}
			if _, err := NewGeneratorLazyFC(cfg, randomNetParams(cfg, "gen", 21), src); err == nil {
				t.Error("gen.fc.w given twice was accepted")
			}
		})
	}
}

func mustPreset(t *testing.T, name string) arch.Config {
	t.Helper()
	cfg, err := arch.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
