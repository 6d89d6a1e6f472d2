package features

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/util/ckpt"
)

func smallConfig() Config {
	return Config{ImageSize: 16, Blocks: []Block{{Out: 4, Convs: 1}, {Out: 6, Convs: 2}},
		Embed: 5, Attrs: 3, Identities: 4, MidBlock: 1, MidPool: 2}
}

// randomParams fills every tensor, batch norms far from the identity.
func randomParams(cfg Config, seed uint64) map[string][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	w := map[string][]float32{}
	for _, p := range cfg.Params() {
		d := make([]float32, p.Size())
		for i := range d {
			switch {
			case strings.HasSuffix(p.Name, ".bn.var"):
				d[i] = float32(0.2 + r.Float64())
			case strings.HasSuffix(p.Name, ".bn.gamma"):
				d[i] = float32(0.5 + r.Float64())
			default:
				d[i] = float32(0.3 * r.NormFloat64())
			}
		}
		w[p.Name] = d
	}
	return w
}

// reference is a direct, unfolded forward pass: convolution, then batch norm
// with its statistics, then ELU, in float64.
func reference(cfg Config, w map[string][]float32, img []float32) (mid, embed, attr []float64) {
	elu := func(v float64) float64 {
		if v > 0 {
			return v
		}
		return math.Expm1(v)
	}
	bn := func(prefix string, c int, v float64) float64 {
		g, b := w[prefix+".bn.gamma"][c], w[prefix+".bn.beta"][c]
		m, s := w[prefix+".bn.mean"][c], w[prefix+".bn.var"][c]
		return float64(g)*(v-float64(m))/math.Sqrt(float64(s)+BNEpsilon) + float64(b)
	}
	x := make([]float64, len(img))
	for i, v := range img {
		x[i] = float64(v)
	}
	in, side := 3, cfg.ImageSize
	var blocks [][]float64
	for i, blk := range cfg.Blocks {
		for j := 1; j <= blk.Convs; j++ {
			name := ConvName(i+1, j)
			stride := 1
			if j == 1 {
				stride = 2
			}
			out := side / stride
			y := make([]float64, blk.Out*out*out)
			k := w[name+".w"]
			for co := 0; co < blk.Out; co++ {
				for oy := 0; oy < out; oy++ {
					for ox := 0; ox < out; ox++ {
						var s float64
						for ci := 0; ci < in; ci++ {
							for ky := 0; ky < Kernel; ky++ {
								for kx := 0; kx < Kernel; kx++ {
									iy, ix := oy*stride-1+ky, ox*stride-1+kx
									if iy < 0 || ix < 0 || iy >= side || ix >= side {
										continue
									}
									s += float64(k[((co*in+ci)*Kernel+ky)*Kernel+kx]) * x[(ci*side+iy)*side+ix]
								}
							}
						}
						y[(co*out+oy)*out+ox] = elu(bn(name, co, s))
					}
				}
			}
			x, in, side = y, blk.Out, out
		}
		blocks = append(blocks, x)
	}
	pool := func(src []float64, c, side, out int) []float64 {
		dst := make([]float64, c*out*out)
		wnd := side / out
		for ch := 0; ch < c; ch++ {
			for y := 0; y < side; y++ {
				for xx := 0; xx < side; xx++ {
					dst[(ch*out+y/wnd)*out+xx/wnd] += src[(ch*side+y)*side+xx] / float64(wnd*wnd)
				}
			}
		}
		return dst
	}
	mb := cfg.MidBlock
	mid = pool(blocks[mb-1], cfg.Blocks[mb-1].Out, cfg.BlockSide(mb), cfg.MidPool)
	g := pool(x, in, side, 1)
	embed = make([]float64, cfg.Embed)
	for o := range embed {
		var s float64
		for i, v := range g {
			s += v * float64(w["embed.w"][i*cfg.Embed+o])
		}
		embed[o] = elu(bn("embed", o, s))
	}
	attr = make([]float64, cfg.Attrs)
	for o := range attr {
		s := float64(w["attr.b"][o])
		for i, v := range embed {
			s += v * float64(w["attr.w"][i*cfg.Attrs+o])
		}
		attr[o] = s
	}
	return mid, embed, attr
}

func maxDiff(a []float32, b []float64) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-b[i]))
	}
	return m
}

// TestForwardMatchesReference checks the folded forward pass against an
// unfolded float64 one (batch norm applied with its running statistics).
func TestForwardMatchesReference(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"small", smallConfig()},
		{"mid block 2, pool 1", func() Config { c := smallConfig(); c.MidBlock, c.MidPool = 2, 1; return c }()},
		{"no identity head", func() Config { c := smallConfig(); c.Identities = 0; return c }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := randomParams(c.cfg, 3)
			net, err := New(c.cfg, w)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(4, 4))
			for range 3 {
				img := make([]float32, 3*c.cfg.ImageSize*c.cfg.ImageSize)
				for i := range img {
					img[i] = r.Float32()
				}
				a, err := net.Forward(img)
				if err != nil {
					t.Fatal(err)
				}
				mid, embed, attr := reference(c.cfg, w, img)
				for _, d := range []struct {
					name string
					got  []float32
					want []float64
				}{{"mid", a.Mid, mid}, {"embedding", a.Embedding, embed}, {"attr", a.AttrLogits, attr}} {
					if len(d.got) != len(d.want) {
						t.Fatalf("%s: %d values, want %d", d.name, len(d.got), len(d.want))
					}
					if m := maxDiff(d.got, d.want); m > 1e-4 {
						t.Errorf("%s: max difference %g", d.name, m)
					}
				}
				if (a.IDLogits == nil) != (c.cfg.Identities == 0) {
					t.Errorf("identity logits %v with %d identities", a.IDLogits != nil, c.cfg.Identities)
				}
			}
		})
	}
}

func TestAvgPool(t *testing.T) {
	cases := []struct {
		name         string
		src          []float32
		c, side, out int
		want         []float32
	}{
		{"2×2 to 1", []float32{1, 2, 3, 4}, 1, 2, 1, []float32{2.5}},
		{"4×4 to 2", []float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 1, 4, 2, []float32{1, 2, 3, 4}},
		{"two channels, identity", []float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2, []float32{1, 2, 3, 4, 5, 6, 7, 8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := make([]float32, len(c.want))
			AvgPool(got, c.src, c.c, c.side, c.out)
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"no blocks", func(c *Config) { c.Blocks = nil }, false},
		{"mid block out of range", func(c *Config) { c.MidBlock = 9 }, false},
		{"pool not dividing", func(c *Config) { c.MidPool = 3 }, false},
		{"odd side", func(c *Config) { c.ImageSize = 36 }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			c.edit(&cfg)
			if err := cfg.Validate(); (err == nil) != c.ok {
				t.Fatalf("Validate() = %v, want ok = %v", err, c.ok)
			}
		})
	}
}

// TestLoadErrors checks that a bad file is refused with its name in the error.
func TestLoadErrors(t *testing.T) {
	cfg := smallConfig()
	w := randomParams(cfg, 1)
	all := func() []ckpt.Tensor {
		var ts []ckpt.Tensor
		for _, p := range cfg.Params() {
			ts = append(ts, ckpt.Tensor{Name: p.Name, Shape: p.Shape, Data: w[p.Name]})
		}
		return ts
	}
	good := ModelMeta{Format: ModelFormat, Config: cfg}
	cases := []struct {
		name    string
		meta    ModelMeta
		tensors []ckpt.Tensor
		want    string // "" = loads
	}{
		{"good", good, all(), ""},
		{"wrong format", ModelMeta{Format: "other", Config: cfg}, all(), "format"},
		{"missing tensor", good, all()[1:], "missing"},
		{"wrong shape", good, append([]ckpt.Tensor{{Name: "b1.c1.w", Shape: []int{4, 3, 3, 3, 1}, Data: w["b1.c1.w"]}}, all()[1:]...), "shape"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "model.npz")
			if err := ckpt.Save(path, c.meta, c.tensors, ckpt.Float32); err != nil {
				t.Fatal(err)
			}
			_, _, err := Load(path)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %q and the file", err, c.want)
			}
		})
	}
}

// TestNoGorgonia keeps the package free of gorgonia and cgo BLAS, so that the
// simulator and the browser can import it.
func TestNoGorgonia(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "gorgonia") || strings.Contains(dep, "netlib") {
			t.Errorf("imports %s", dep)
		}
	}
}

// TestShippedModel loads the committed model and runs a gray image.
func TestShippedModel(t *testing.T) {
	path := filepath.Join("..", "..", "models", "features", "model.npz")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shipped model")
	}
	net, mm, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(mm.AttrNames) != mm.Config.Attrs {
		t.Fatalf("%d attribute names for %d attributes", len(mm.AttrNames), mm.Config.Attrs)
	}
	img := make([]float32, 3*mm.Config.ImageSize*mm.Config.ImageSize)
	for i := range img {
		img[i] = 0.5
	}
	a, err := net.Forward(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range a.Embedding {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN in the embedding")
		}
	}
}

// BenchmarkForward measures one face through the shipped architecture.
func BenchmarkForward(b *testing.B) {
	cfg := Default()
	cfg.Identities = 507
	net, err := New(cfg, randomParams(cfg, 1))
	if err != nil {
		b.Fatal(err)
	}
	img := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
	for i := range img {
		img[i] = 0.5
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := net.Forward(img); err != nil {
			b.Fatal(err)
		}
	}
}
