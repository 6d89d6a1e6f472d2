package featnet

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"fmriface/face/features"
	"fmriface/trainer/ops"
)

// bnMomentum is the weight of a batch in the running statistics.
const bnMomentum = 0.1

// graph is the network on a fixed batch size, in training mode (batch
// statistics, running statistics updated, losses and gradients) or in
// inference mode (running statistics, forward only). Parameters are bound
// to the slices of Weights without copying.
type graph struct {
	cfg      features.Config
	w        map[string][]float32
	training bool
	g        *G.ExprGraph
	m        G.VM
	x        *G.Node
	t        *Targets
	bns      map[string]*ops.BNState
	learn    map[string]*G.Node
	err      error

	blocks             []*G.Node // each block's output
	embed, attr, id    *G.Node
	attrLoss, idLoss   *G.Node // summed over the batch
	cost               *G.Node
	grads              G.Nodes
	names              []string
	blockV             []G.Value
	embedV, attrV, idV G.Value
	attrLossV, idLossV G.Value
}

// newGraph builds the network for n images. wID weighs the identity loss
// (training only; the attribute loss has weight 1).
func newGraph(cfg features.Config, w map[string][]float32, n int, training bool, wID float64) (*graph, error) {
	b := &graph{cfg: cfg, w: w, training: training, g: G.NewGraph(), t: &Targets{},
		bns: map[string]*ops.BNState{}, learn: map[string]*G.Node{}}
	s := cfg.ImageSize
	xt := tensor.New(tensor.WithShape(n, 3, s, s), tensor.Of(tensor.Float32))
	b.x = G.NewTensor(b.g, tensor.Float32, 4, G.WithShape(n, 3, s, s), G.WithName("x"), G.WithValue(xt))
	h := b.x
	in := 3
	for i, blk := range cfg.Blocks {
		for j := 1; j <= blk.Convs; j++ {
			name := features.ConvName(i+1, j)
			stride := 1
			if j == 1 {
				stride = 2
			}
			wt := b.param(name+".w", blk.Out, in, features.Kernel, features.Kernel)
			if b.err != nil {
				return nil, b.err
			}
			h = b.must(ops.Conv2dNeed(h, wt, ops.Geom{K: features.Kernel, Stride: stride, Pad: features.Kernel / 2},
				ops.Need{X: h != b.x, W: training}))
			h = b.bnELU(h, name, blk.Out, 1, blk.Out, 1, 1)
			in = blk.Out
		}
		b.blocks = append(b.blocks, h)
	}
	if b.err != nil {
		return nil, b.err
	}
	// global average pool as a product with a constant column of 1/HW
	side := h.Shape()[2]
	hw := side * side
	flat := b.must(G.Reshape(h, tensor.Shape{n * in, hw}))
	avg := make([]float32, hw)
	for i := range avg {
		avg[i] = 1 / float32(hw)
	}
	col := G.NewMatrix(b.g, tensor.Float32, G.WithShape(hw, 1), G.WithName("avg"),
		G.WithValue(tensor.New(tensor.WithShape(hw, 1), tensor.WithBacking(avg))))
	if b.err != nil {
		return nil, b.err
	}
	pooled := b.must(G.Reshape(b.must(G.Mul(flat, col)), tensor.Shape{n, in}))
	if b.err != nil {
		return nil, b.err
	}
	e := b.must(G.Mul(pooled, b.param("embed.w", in, cfg.Embed)))
	if b.err != nil {
		return nil, b.err
	}
	b.embed = b.bnELU(e, "embed", cfg.Embed, 1, cfg.Embed)
	b.attr = b.linear(b.embed, "attr", cfg.Attrs)
	if cfg.Identities > 0 {
		b.id = b.linear(b.embed, "id", cfg.Identities)
	}
	if b.err != nil {
		return nil, b.err
	}
	b.blockV = make([]G.Value, len(b.blocks))
	for i, bl := range b.blocks {
		G.Read(bl, &b.blockV[i])
	}
	G.Read(b.embed, &b.embedV)
	G.Read(b.attr, &b.attrV)
	if b.id != nil {
		G.Read(b.id, &b.idV)
	}
	if training {
		if err := b.losses(n, wID); err != nil {
			return nil, err
		}
	}
	b.m = G.NewTapeMachine(b.g)
	return b, b.loadStats()
}

// losses adds cost = (Σ attribute BCE + wID·Σ identity CE) / n and its gradients.
func (b *graph) losses(n int, wID float64) error {
	b.attrLoss = b.must(G.Sum(b.must(lossTerms(b.attr, lossBCE, b.t))))
	if b.err != nil {
		return b.err
	}
	b.cost = b.attrLoss
	if b.id != nil {
		b.idLoss = b.must(G.Sum(b.must(lossTerms(b.id, lossCE, b.t))))
		if b.err != nil {
			return b.err
		}
		b.cost = b.must(G.Add(b.cost, b.must(G.HadamardProd(b.idLoss, G.NewConstant(float32(wID))))))
		G.Read(b.idLoss, &b.idLossV)
	}
	b.cost = b.must(G.HadamardProd(b.cost, G.NewConstant(float32(1/float64(n)))))
	if b.err != nil {
		return b.err
	}
	G.Read(b.attrLoss, &b.attrLossV)
	var learn G.Nodes
	for _, p := range b.cfg.Params() {
		if nd, ok := b.learn[p.Name]; ok && !p.Stat {
			learn = append(learn, nd)
			b.names = append(b.names, p.Name)
		}
	}
	grads, err := G.Grad(b.cost, learn...)
	if err != nil {
		return fmt.Errorf("gradients: %w", err)
	}
	b.grads = grads
	return nil
}

func (b *graph) fail(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

func (b *graph) must(n *G.Node, err error) *G.Node {
	b.fail(err)
	return n
}

// param returns the node of a parameter viewed with the given shape.
func (b *graph) param(name string, shape ...int) *G.Node {
	if nd, ok := b.learn[name]; ok {
		return nd
	}
	d, ok := b.w[name]
	if !ok || len(d) != tensor.Shape(shape).TotalSize() {
		b.fail(fmt.Errorf("parameter %s: have %d values, want shape %v", name, len(d), shape))
		d = make([]float32, tensor.Shape(shape).TotalSize())
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	nd := G.NewTensor(b.g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
	b.learn[name] = nd
	return nd
}

// bnELU is batch norm and ELU with parameters shaped like the input's (1, C, 1 …).
func (b *graph) bnELU(x *G.Node, prefix string, c int, shape ...int) *G.Node {
	if b.err != nil {
		return x
	}
	gamma := b.param(prefix+".bn.gamma", shape...)
	beta := b.param(prefix+".bn.beta", shape...)
	st := ops.NewBNState(c, bnMomentum, features.BNEpsilon, b.training)
	y, err := ops.BatchNormELU(x, gamma, beta, st, ops.Need{X: true, W: b.training})
	if err != nil {
		b.fail(fmt.Errorf("batch norm %s: %w", prefix, err))
		return x
	}
	b.bns[prefix] = st
	return y
}

func (b *graph) linear(x *G.Node, prefix string, out int) *G.Node {
	if b.err != nil {
		return x
	}
	in := x.Shape()[1]
	y := b.must(G.Mul(x, b.param(prefix+".w", in, out)))
	if b.err != nil {
		return x
	}
	return b.must(G.BroadcastAdd(y, b.param(prefix+".b", 1, out), nil, []byte{0}))
}

// loadStats copies the running statistics from the weights into the graph.
func (b *graph) loadStats() error {
	for prefix, st := range b.bns {
		m, v := b.w[prefix+".bn.mean"], b.w[prefix+".bn.var"]
		if len(m) != len(st.RunMean) || len(v) != len(st.RunVar) {
			return fmt.Errorf("batch norm %s: %d and %d running statistics for %d channels", prefix, len(m), len(v), len(st.RunMean))
		}
		copy(st.RunMean, m)
		copy(st.RunVar, v)
	}
	return nil
}

// saveStats copies the graph's running statistics into the weights.
func (b *graph) saveStats() {
	for prefix, st := range b.bns {
		copy(b.w[prefix+".bn.mean"], st.RunMean)
		copy(b.w[prefix+".bn.var"], st.RunVar)
	}
}

// run sets the images and runs the graph once.
func (b *graph) run(x []float32) error {
	copy(b.x.Value().(*tensor.Dense).Float32s(), x)
	b.m.Reset()
	if err := b.m.RunAll(); err != nil {
		return err
	}
	if b.training {
		b.saveStats()
	}
	return nil
}

// close frees the machine.
func (b *graph) close() { b.m.Close() }
