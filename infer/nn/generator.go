package nn

import (
	"fmt"

	"fmriface/infer/arch"
	"fmriface/infer/gemm"
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
	lazy   lazyRows // fc.W while it is still encoded (NewGeneratorLazyFC)
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
	return newGenerator(cfg, params, false, nil)
}

// NewGeneratorOwning is NewGenerator for a caller that made params for it: the
// generator keeps the slices instead of copying them and folds batch norm
// into them in place, so the caller must not use them afterwards. In the
// browser the copy was a tenth of the start-up (18 MB through a cold memmove).
func NewGeneratorOwning(cfg arch.Config, params map[string][]float32) (*Generator, error) {
	return newGenerator(cfg, params, true, nil)
}

// RowSource hands out rows of a weight matrix that is kept in a compact
// encoding: Rows writes rows [r0, r1) into dst, which holds exactly their
// values; AddRows adds Σ coef[r−r0]·row r over them to dst (one row).
type RowSource interface {
	Rows(r0, r1 int, dst []float32)
	AddRows(r0, r1 int, coef, dst []float32)
}

// NewGeneratorLazyFC is NewGeneratorOwning with the first layer's weights
// (gen.fc.w, which must not be in params) left to src: images are computed
// from src's rows in place (AddRows) until MaterializeFC has filled the
// dense matrix. In the browser the dense matrix is 16 MB of fresh memory,
// which took most of the generator's load (0.13 s of cold WebAssembly).
func NewGeneratorLazyFC(cfg arch.Config, params map[string][]float32, src RowSource) (*Generator, error) {
	if _, ok := params["gen.fc.w"]; ok {
		return nil, fmt.Errorf("nn: NewGeneratorLazyFC: gen.fc.w is given both as a tensor and as rows")
	}
	return newGenerator(cfg, params, true, src)
}

// lazyRows is the state of a first layer still read from a RowSource.
type lazyRows struct {
	src   RowSource
	done  int  // rows of fc.W filled by MaterializeFC
	ready bool // fc.W complete: the next image uses it
}

// newGenerator builds the generator; a non-nil src supplies gen.fc.w.
func newGenerator(cfg arch.Config, params map[string][]float32, own bool, src RowSource) (*Generator, error) {
	var absent []string
	if src != nil {
		absent = append(absent, "gen.fc.w")
	}
	t, err := newTensors(cfg, "gen", params, absent...)
	if err != nil {
		return nil, err
	}
	t.own = own
	s := cfg.GenSize()
	c0 := cfg.GenChannels[0]
	g := &Generator{
		cfg: cfg,
		fc:  Linear{In: cfg.Latent, Out: c0 * s * s, B: t.get("gen.fc.b")},
		z:   make([]float32, cfg.Latent),
	}
	if src != nil {
		g.lazy = lazyRows{src: src}
	} else {
		g.fc.W = t.get("gen.fc.w")
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
	parts := (fc.Out + per - 1) / per
	for k, j0 := 0, 0; j0 < fc.Out; k, j0 = k+1, j0+per {
		j1 := min(fc.Out, j0+per)
		g.steps = append(g.steps, func() {
			if g.lazy.src != nil {
				// From the encoded rows: part k of the rows, for every
				// output; the activation once all rows are in.
				g.fcRows(k*fc.In/parts, (k+1)*fc.In/parts, k == 0, k == parts-1)
				return
			}
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

// fcRows adds rows [r0, r1) of the first layer, read in place from the
// RowSource, into its output: y += z[r0:r1]·W[r0:r1], starting from the bias when first
// and applying ELU when last.
func (g *Generator) fcRows(r0, r1 int, first, last bool) {
	fc, y := &g.fc, g.acts[0]
	if first {
		copy(y, fc.B)
	}
	g.lazy.src.AddRows(r0, r1, g.z[r0:r1], y)
	if last {
		ELU(y)
	}
}

// DenseFC reports whether the first layer's dense weights are complete
// (always, for a generator built with dense weights).
func (g *Generator) DenseFC() bool { return g.lazy.src == nil || g.lazy.ready }

// MaterializeFC fills up to rows more rows of the first layer's dense
// weights from its RowSource and reports whether they are complete (at once
// for a generator built with dense weights). The image after completion
// uses the dense weights; one in progress finishes from the source.
func (g *Generator) MaterializeFC(rows int) (done bool) {
	l := &g.lazy
	if l.src == nil || l.ready {
		return true
	}
	fc := &g.fc
	if fc.W == nil {
		fc.W = make([]float32, fc.In*fc.Out)
	}
	r1 := min(fc.In, l.done+max(1, rows))
	l.src.Rows(l.done, r1, fc.W[l.done*fc.Out:r1*fc.Out])
	l.done = r1
	l.ready = r1 == fc.In
	if l.ready && g.next == len(g.steps) {
		l.src = nil
	}
	return l.ready
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
	if g.lazy.ready {
		g.lazy.src = nil // the dense weights are complete
	}
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
