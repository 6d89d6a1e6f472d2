package vaegan

import (
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"fmriface/infer/arch"
	"fmriface/trainer/ops"
)

// builder creates the nodes of one graph, binding parameters to the shared Weights.
type builder struct {
	g        *G.ExprGraph
	w        *Weights
	training bool
	nodes    map[string]*G.Node
	learn    map[string]*G.Node // parameters that get gradients in this graph
	bns      map[string]*ops.BNState
	// trains lists the nets whose parameters get gradients in this graph
	// (nil: all); the ops build no gradient for the others' weights nor for
	// input images.
	trains []string
	inputs map[*G.Node]bool
	err    error
}

func newBuilder(w *Weights, training bool) *builder {
	return &builder{g: G.NewGraph(), w: w, training: training, nodes: map[string]*G.Node{},
		learn: map[string]*G.Node{}, bns: map[string]*ops.BNState{}, inputs: map[*G.Node]bool{}}
}

// param returns the node for a parameter, viewed with the given shape.
func (b *builder) param(name string, shape ...int) *G.Node {
	if n, ok := b.nodes[name]; ok {
		return n
	}
	d, ok := b.w.Data[name]
	if !ok {
		b.fail(fmt.Errorf("parameter %s not loaded", name))
		d = make([]float32, tensor.Shape(shape).TotalSize())
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	n := G.NewTensor(b.g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
	b.nodes[name] = n
	b.learn[name] = n
	return n
}

func (b *builder) input(name string, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	n := G.NewTensor(b.g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
	b.nodes[name] = n
	b.inputs[n] = true
	return n
}

// need says which gradients an op on x with parameter param needs.
func (b *builder) need(x *G.Node, param string) ops.Need {
	trained := b.trains == nil
	for _, net := range b.trains {
		trained = trained || strings.HasPrefix(param, net+".")
	}
	return ops.Need{X: !b.inputs[x], W: trained}
}

func (b *builder) fail(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

func (b *builder) must(n *G.Node, err error) *G.Node {
	b.fail(err)
	return n
}

func (b *builder) paramShape(name string) []int {
	for _, p := range b.w.Params {
		if p.Name == name {
			return p.Shape
		}
	}
	b.fail(fmt.Errorf("unknown parameter %s", name))
	return []int{1}
}

func (b *builder) linear(x *G.Node, prefix string) *G.Node {
	if b.err != nil {
		return x
	}
	s := b.paramShape(prefix + ".w")
	w := b.param(prefix+".w", s...)
	bias := b.param(prefix+".b", 1, s[1])
	y := b.must(G.Mul(x, w))
	if b.err != nil {
		return x
	}
	return b.must(G.BroadcastAdd(y, bias, nil, []byte{0}))
}

// batchNormELU normalises a (N,C,H,W) map and applies ELU, in one op (every
// batch norm of the three networks is followed by ELU); running statistics
// live in Weights.
func (b *builder) batchNormELU(x *G.Node, layer string) *G.Node {
	if b.err != nil {
		return x
	}
	c := x.Shape()[1]
	gamma := b.param(layer+".bn.gamma", 1, c, 1, 1)
	beta := b.param(layer+".bn.beta", 1, c, 1, 1)
	st := ops.NewBNState(c, 0.1, arch.BNEpsilon, b.training)
	y, err := ops.BatchNormELU(x, gamma, beta, st, b.need(x, layer+".bn.gamma"))
	if err != nil {
		b.fail(fmt.Errorf("batchnorm %s: %w", layer, err))
		return x
	}
	// A layer applied several times (the discriminator on real and
	// generated images) keeps the statistics of its first application.
	if _, dup := b.bns[layer]; !dup {
		b.bns[layer] = st
	}
	return y
}

func (b *builder) elu(x *G.Node) *G.Node {
	if b.err != nil {
		return x
	}
	return b.must(ops.Elu(x))
}

func (b *builder) conv(x *G.Node, name string, k int) *G.Node {
	if b.err != nil {
		return x
	}
	s := b.paramShape(name)
	w := b.param(name, s...)
	return b.must(ops.Conv2dNeed(x, w, ops.Geom{K: k, Stride: 2, Pad: arch.ConvPad(k)}, b.need(x, name)))
}

// encoder returns μ and log σ for images x (N,3,S,S).
func (b *builder) encoder(x *G.Node) (mu, logSigma *G.Node) {
	c := b.w.Cfg
	h := x
	for i := range c.EncChannels {
		l := fmt.Sprintf("enc.conv%d", i+1)
		h = b.batchNormELU(b.conv(h, l+".w", c.EncKernel), l)
	}
	if b.err != nil {
		return x, x
	}
	n := x.Shape()[0]
	h = b.must(G.Reshape(h, tensor.Shape{n, h.Shape().TotalSize() / n}))
	h = b.linear(h, "enc.fc")
	mu = b.must(G.Tanh(b.linear(h, "enc.mu")))
	ls := b.must(G.Tanh(b.linear(h, "enc.logsigma")))
	if b.err != nil {
		return x, x
	}
	logSigma = b.must(G.HadamardProd(ls, G.NewConstant(float32(0.5))))
	return mu, logSigma
}

// generator maps z (N,L) to images (N,3,S,S) in [0,1].
func (b *builder) generator(z *G.Node) *G.Node {
	c := b.w.Cfg
	n := z.Shape()[0]
	s := c.GenSize()
	h := b.elu(b.linear(z, "gen.fc"))
	if b.err != nil {
		return z
	}
	h = b.must(G.Reshape(h, tensor.Shape{n, c.GenChannels[0], s, s}))
	pad, op := arch.DeconvPad(c.GenKernel)
	geom := ops.Geom{K: c.GenKernel, Stride: 2, Pad: pad, OutPad: op}
	for i := range c.GenChannels {
		l := fmt.Sprintf("gen.deconv%d", i+1)
		if b.err != nil {
			return z
		}
		ws := b.paramShape(l + ".w")
		h = b.must(ops.ConvTranspose2d(h, b.param(l+".w", ws...), geom))
		if i+1 < len(c.GenChannels) {
			h = b.batchNormELU(h, l)
		} else if b.err == nil {
			bias := b.param(l+".b", 1, 3, 1, 1)
			h = b.must(ops.BiasAdd(h, bias, b.need(h, l+".b")))
			if b.err == nil {
				h = b.must(G.Sigmoid(h))
			}
		}
	}
	return h
}

// discriminator returns the logits (N,1) and the feature map of cfg.FeatureLayer.
func (b *builder) discriminator(x *G.Node) (logit, feat *G.Node) {
	c := b.w.Cfg
	h := x
	for i := range c.DiscChannels {
		l := fmt.Sprintf("disc.conv%d", i+1)
		h = b.conv(h, l+".w", c.DiscKernel)
		if b.err != nil {
			return x, x
		}
		if i == 0 {
			bias := b.param(l+".b", 1, c.DiscChannels[0], 1, 1)
			h = b.elu(b.must(ops.BiasAdd(h, bias, b.need(h, l+".b"))))
		} else {
			h = b.batchNormELU(h, l)
		}
		if i+1 == c.FeatureLayer {
			feat = h
		}
	}
	if b.err != nil {
		return x, x
	}
	n := x.Shape()[0]
	h = b.must(G.Reshape(h, tensor.Shape{n, h.Shape().TotalSize() / n}))
	return b.linear(h, "disc.fc"), feat
}

// softplus(x) = max(x,0) + log1p(exp(−|x|)), stable for large |x|.
func (b *builder) softplus(x *G.Node) *G.Node {
	if b.err != nil {
		return x
	}
	r := b.must(G.Rectify(x))
	a := b.must(G.Abs(x))
	if b.err != nil {
		return x
	}
	e := b.must(G.Exp(b.must(G.Neg(a))))
	if b.err != nil {
		return x
	}
	return b.must(G.Add(r, b.must(G.Log1p(e))))
}

// decorrelation returns Σ_{i≠j} R_ij² for the correlation matrix R of the
// columns of mu (n × L) over the batch. With s the columns standardised
// (zero mean, unit variance over the n rows), R = sᵀs/n, and ‖R‖²_F equals
// ‖ssᵀ‖²_F/n², an n × n product instead of an L × L one; R's diagonal is
// all ones, so the off-diagonal sum is that minus L.
func (b *builder) decorrelation(mu *G.Node) *G.Node {
	if b.err != nil {
		return mu
	}
	n, l := mu.Shape()[0], mu.Shape()[1]
	row := func(v *G.Node) *G.Node { return b.must(G.Reshape(v, tensor.Shape{1, l})) }
	mean := b.must(G.Mean(mu, 0))
	if b.err != nil {
		return mu
	}
	c := b.must(G.BroadcastSub(mu, row(mean), nil, []byte{0}))
	if b.err != nil {
		return mu
	}
	v := b.must(G.Mean(b.must(G.Square(c)), 0))
	if b.err != nil {
		return mu
	}
	sd := b.must(G.Sqrt(b.must(G.Add(v, G.NewConstant(float32(1e-6))))))
	if b.err != nil {
		return mu
	}
	st := b.must(G.BroadcastHadamardDiv(c, row(sd), nil, []byte{0}))
	if b.err != nil {
		return mu
	}
	gram := b.must(G.Mul(st, b.must(G.Transpose(st))))
	if b.err != nil {
		return mu
	}
	fro := b.must(G.Sum(b.must(G.Square(gram))))
	if b.err != nil {
		return mu
	}
	scaled := b.must(G.HadamardProd(fro, G.NewConstant(float32(1/float64(n*n)))))
	if b.err != nil {
		return mu
	}
	return b.must(G.Sub(scaled, G.NewConstant(float32(l))))
}

// sumOver sums every element and divides by n (per-sample sums averaged over the batch).
func (b *builder) sumOver(x *G.Node, n int) *G.Node {
	if b.err != nil {
		return x
	}
	s := b.must(G.Sum(x))
	if b.err != nil {
		return x
	}
	return b.must(G.HadamardProd(s, G.NewConstant(float32(1/float64(n)))))
}

// learnables returns the nodes of parameters of the given nets (trainable ones only), sorted by name.
func (b *builder) learnables(nets ...string) (G.Nodes, []string) {
	var ns G.Nodes
	var names []string
	for _, p := range b.w.Params {
		if p.Stat {
			continue
		}
		ok := false
		for _, net := range nets {
			ok = ok || strings.HasPrefix(p.Name, net+".")
		}
		if n, have := b.learn[p.Name]; ok && have {
			ns = append(ns, n)
			names = append(names, p.Name)
		}
	}
	return ns, names
}

// loadStats copies the running statistics from Weights into the graph's
// batch-norm states.
func (b *builder) loadStats() error {
	for layer, st := range b.bns {
		m := b.w.Data[layer+".bn.mean"]
		v := b.w.Data[layer+".bn.var"]
		if len(m) != len(st.RunMean) || len(v) != len(st.RunVar) {
			return fmt.Errorf("batch norm %s: %d and %d running statistics, the layer has %d channels", layer, len(m), len(v), len(st.RunMean))
		}
		copy(st.RunMean, m)
		copy(st.RunVar, v)
	}
	return nil
}

// saveStats copies the running statistics of the graph's BN ops into Weights.
func (b *builder) saveStats(nets ...string) {
	for layer, st := range b.bns {
		keep := false
		for _, net := range nets {
			keep = keep || strings.HasPrefix(layer, net+".")
		}
		if !keep {
			continue
		}
		copy(b.w.Data[layer+".bn.mean"], st.RunMean)
		copy(b.w.Data[layer+".bn.var"], st.RunVar)
	}
}
