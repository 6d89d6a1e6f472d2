package nn

import (
	"fmt"

	"fmriface/arch"
	"fmriface/gemm"
)

// stepMACs bounds the multiply-adds of one Generator.Step: about a
// millisecond under WebAssembly, so a frame loop can fit several in a frame.
const stepMACs = 1 << 21

// Generator decodes latent vectors into images: a linear layer with ELU, then
// stride-2 transposed convolutions (folded batch norm and ELU; the last one
// with bias and sigmoid). It owns all its buffers; it is not safe for
// concurrent use.
type Generator struct {
	cfg    arch.Config
	ws     gemm.Workspace
	fc     Linear
	layers []Deconv2D
	sides  []int       // input side of each deconv
	acts   [][]float32 // acts[0]: fc output (C0×s×s); acts[i+1]: output of deconv i
	cols   []float32
	z      []float32
	steps  []func()
	next   int
}

// NewGenerator builds the generator of cfg from params, keyed by arch.Param
// names ("gen.fc.w", …); other entries are ignored. The tensors are copied.
func NewGenerator(cfg arch.Config, params map[string][]float32) (*Generator, error) {
	return newGenerator(cfg, params, false)
}

// NewGeneratorOwning is NewGenerator for a caller that made params for it: the
// generator keeps the slices instead of copying them and folds batch norm
// into them in place, so the caller must not use them afterwards. In the
// browser the copy was a tenth of the start-up (18 MB through a cold memmove).
func NewGeneratorOwning(cfg arch.Config, params map[string][]float32) (*Generator, error) {
	return newGenerator(cfg, params, true)
}

func newGenerator(cfg arch.Config, params map[string][]float32, own bool) (*Generator, error) {
	t, err := newTensors(cfg, "gen", params)
	if err != nil {
		return nil, err
	}
	t.own = own
	s := cfg.GenSize()
	c0 := cfg.GenChannels[0]
	g := &Generator{
		cfg: cfg,
		fc:  Linear{In: cfg.Latent, Out: c0 * s * s, W: t.get("gen.fc.w"), B: t.get("gen.fc.b")},
		z:   make([]float32, cfg.Latent),
	}
	g.acts = append(g.acts, make([]float32, c0*s*s))
	pad, outPad := arch.DeconvPad(cfg.GenKernel)
	maxCols := 0
	for i, cin := range cfg.GenChannels {
		name := fmt.Sprintf("gen.deconv%d", i+1)
		last := i+1 == len(cfg.GenChannels)
		cout := 3
		if !last {
			cout = cfg.GenChannels[i+1]
		}
		l := Deconv2D{Cin: cin, Cout: cout, K: cfg.GenKernel, Stride: 2, Pad: pad, OutPad: outPad, W: t.get(name + ".w")}
		if last {
			l.B = t.get(name + ".b")
		} else {
			l.FoldScaleShift(t.bn(name))
		}
		g.layers = append(g.layers, l)
		g.sides = append(g.sides, s)
		maxCols = max(maxCols, l.ColsLen(s, s))
		s = l.OutSize(s)
		g.acts = append(g.acts, make([]float32, cout*s*s))
	}
	if s != cfg.ImageSize {
		return nil, fmt.Errorf("nn: arch %q: generator makes %d×%d images, want %d", cfg.Name, s, s, cfg.ImageSize)
	}
	g.cols = make([]float32, maxCols)
	g.plan()
	return g, nil
}

// plan splits one forward pass into steps of at most about stepMACs.
func (g *Generator) plan() {
	fc := &g.fc
	per := max(1, stepMACs/fc.In)
	for j0 := 0; j0 < fc.Out; j0 += per {
		j1 := min(fc.Out, j0+per)
		g.steps = append(g.steps, func() {
			fc.ForwardCols(&g.ws, g.z, g.acts[0], j0, j1)
			ELU(g.acts[0][j0:j1])
		})
	}
	for i := range g.layers {
		l := &g.layers[i]
		in, out := g.acts[i], g.acts[i+1]
		side := g.sides[i]
		n := side * side
		g.ws.Reserve(l.Rows(), n, l.Cin)
		rows := max(1, stepMACs/(l.Cin*n))
		rows = (rows + 11) / 12 * 12 // whole register tiles
		for r0 := 0; r0 < l.Rows(); r0 += rows {
			r1 := min(l.Rows(), r0+rows)
			g.steps = append(g.steps, func() { l.MulRows(&g.ws, in, n, g.cols, r0, r1) })
		}
		// The scatter and activation cost a few times more per element than
		// a multiply-add: give them a quarter of a step's budget.
		last := i+1 == len(g.layers)
		plane := l.OutSize(side) * l.OutSize(side)
		chans := max(1, stepMACs/4/(l.K*l.K*n+plane))
		for c0 := 0; c0 < l.Cout; c0 += chans {
			c1 := min(l.Cout, c0+chans)
			g.steps = append(g.steps, func() {
				l.Col2ImChannels(g.cols, side, side, out, c0, c1)
				if last {
					Sigmoid(out[c0*plane : c1*plane])
				} else {
					ELU(out[c0*plane : c1*plane])
				}
			})
		}
	}
	g.next = len(g.steps)
}

// Config is the architecture the generator was built for.
func (g *Generator) Config() arch.Config { return g.cfg }

// Steps is the number of Step calls one image takes.
func (g *Generator) Steps() int { return len(g.steps) }

// Begin starts decoding z (length cfg.Latent); Step then does the work.
func (g *Generator) Begin(z []float32) error {
	if len(z) != len(g.z) {
		return fmt.Errorf("nn: generator %q: latent has %d values, want %d", g.cfg.Name, len(z), len(g.z))
	}
	copy(g.z, z)
	g.next = 0
	return nil
}

// Step does the next slice of the image begun by Begin (at most about two
// million multiply-adds) and reports whether the image is complete. Once it
// is, Step does nothing and keeps returning true.
func (g *Generator) Step() (done bool) {
	if g.next < len(g.steps) {
		g.steps[g.next]()
		g.next++
	}
	return g.next == len(g.steps)
}

// Image is the last completed image, 3×S×S CHW in [0,1]. The slice belongs to
// the generator: it is overwritten by the next image and valid as an image
// only once Step has returned true.
func (g *Generator) Image() []float32 { return g.acts[len(g.acts)-1] }

// Generate decodes z into out (3×S×S CHW in [0,1]) in one call.
func (g *Generator) Generate(z, out []float32) error {
	img := g.Image()
	if len(out) != len(img) {
		return fmt.Errorf("nn: generator %q: output has %d values, want 3×%d×%d = %d",
			g.cfg.Name, len(out), g.cfg.ImageSize, g.cfg.ImageSize, len(img))
	}
	if err := g.Begin(z); err != nil {
		return err
	}
	for !g.Step() {
	}
	copy(out, img)
	return nil
}
