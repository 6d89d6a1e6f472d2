package vaegan

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LossWeights are the coefficients of the encoder–generator cost.
type LossWeights struct {
	KL   float64 `json:"kl"`
	Feat float64 `json:"feat"`
	Pix  float64 `json:"pix"`
	GAN  float64 `json:"gan"`
	// Center weighs ‖batch mean of μ‖²: it pulls the aggregate posterior's
	// mean to the prior's (zero). Without it the encoder parks dozens of
	// dimensions at a constant offset (the KL charges only ½m² nats for it),
	// the generator learns faces only around that offset, and samples from
	// N(0, I) fall where it has never been trained.
	Center float64 `json:"center,omitempty"`
	// Decor weighs the squared off-diagonal correlations between latent
	// dimensions of the batch's μ, Σ_{i≠j} R_ij² (after DIP-VAE, Kumar et
	// al. 2018, on correlations rather than covariances, so that it cannot
	// be lowered by shrinking μ). The KL acts on each face's posterior
	// alone and leaves the dimensions free to move together across faces:
	// without this term a few directions carry most of the latent's
	// variance, and the paper's mean-difference axes (gender, smile) pick
	// up those directions along with the attribute.
	Decor float64 `json:"decor,omitempty"`
	// NoPriorGAN leaves samples from the prior out of the step: the GAN term
	// then acts on reconstructions only, and the generator meets z ~ N(0, I)
	// only through what it learnt from the (centred) posterior. Trained
	// adversarially alone, prior samples drifted to a texture that fooled
	// the discriminator of the moment (see the package doc).
	NoPriorGAN bool `json:"no_prior_gan,omitempty"`
	// RealLabel is the discriminator's target for real images (one-sided label
	// smoothing; 0 means 1). Below 1 it keeps D from growing overconfident.
	RealLabel float64 `json:"real_label,omitempty"`
	// DFloor skips the discriminator's update while its mean loss on real
	// images (above the smoothed label's entropy) and on generated images are
	// both below this value (0 = always update): a D that wins outright gives
	// the generator no useful gradient, and its prior samples collapse to a
	// pattern.
	DFloor float64 `json:"d_floor,omitempty"`
}

// fakesPerReal is the number of generated images per real one in a step:
// the reconstruction, and the prior sample unless NoPriorGAN.
func (lw LossWeights) fakesPerReal() int {
	if lw.NoPriorGAN {
		return 1
	}
	return 2
}

// Losses of one step (per-sample sums averaged over the batch).
type Losses struct {
	KL, Feat, Pix, GANG, D float64
	DUpdated               bool // whether the discriminator took its step (see LossWeights.DFloor)
}

// egGraph is the encoder–generator half of a step.
type egGraph struct {
	b                 *builder
	m                 G.VM
	x, eps, zp        *G.Node
	gen               *G.Node // (2N,3,S,S): reconstructions then prior samples
	kl, feat, pix, gg *G.Node
	cost              *G.Node
	grads             G.Nodes
	names             []string
	// Values copied out during the run: the tape machine reuses the memory of
	// intermediate nodes, so node.Value() after RunAll is not reliable.
	genV, klV, featV, pixV, ggV G.Value
}

func buildEG(w *Weights, n int, lw LossWeights) (*egGraph, error) {
	c := w.Cfg
	b := newBuilder(w, true)
	b.trains = []string{"enc", "gen"}
	s := c.ImageSize
	e := &egGraph{b: b}
	e.x = b.input("x", n, 3, s, s)
	e.eps = b.input("eps", n, c.Latent)
	e.zp = b.input("zp", n, c.Latent)
	mu, ls := b.encoder(e.x)
	if b.err != nil {
		return nil, b.err
	}
	sigma := b.must(G.Exp(ls))
	z := b.must(G.Add(mu, b.must(G.HadamardProd(e.eps, sigma))))
	zz := z
	fakes := lw.fakesPerReal()
	if fakes == 2 {
		zz = b.must(G.Concat(0, z, e.zp))
	}
	if b.err != nil {
		return nil, b.err
	}
	e.gen = b.generator(zz)
	dIn := b.must(G.Concat(0, e.x, e.gen))
	if b.err != nil {
		return nil, b.err
	}
	logit, feat := b.discriminator(dIn)
	if b.err != nil {
		return nil, b.err
	}
	// KL(q‖N(0,I)) = Σ ½(μ² + σ² − 1) − log σ
	mu2 := b.must(G.Square(mu))
	s2 := b.must(G.Square(sigma))
	klEl := b.must(G.Sub(b.must(G.Add(mu2, s2)), b.must(G.HadamardProd(ls, G.NewConstant(float32(2))))))
	e.kl = b.sumOver(b.must(G.HadamardProd(klEl, G.NewConstant(float32(0.5)))), n)
	// the constant −½ per dimension is added when reporting, not in the graph
	xr := b.must(G.Slice(e.gen, G.S(0, n)))
	fReal := b.must(G.Slice(feat, G.S(0, n)))
	fRec := b.must(G.Slice(feat, G.S(n, 2*n)))
	if b.err != nil {
		return nil, b.err
	}
	e.feat = b.sumOver(b.must(G.Square(b.must(G.Sub(fRec, fReal)))), n)
	e.pix = b.sumOver(b.must(G.Square(b.must(G.Sub(xr, e.x)))), n)
	fake := b.must(G.Slice(logit, G.S(n, (1+fakes)*n)))
	if b.err != nil {
		return nil, b.err
	}
	e.gg = b.sumOver(b.softplus(b.must(G.Neg(fake))), n)
	var center *G.Node
	if lw.Center != 0 {
		center = b.must(G.Sum(b.must(G.Square(b.must(G.Mean(mu, 0))))))
	}
	var decor *G.Node
	if lw.Decor != 0 {
		decor = b.decorrelation(mu)
	}
	terms := []*G.Node{}
	for _, t := range []struct {
		wt float64
		n  *G.Node
	}{{lw.KL, e.kl}, {lw.Feat, e.feat}, {lw.Pix, e.pix}, {lw.GAN, e.gg}, {lw.Center, center}, {lw.Decor, decor}} {
		if t.wt != 0 {
			terms = append(terms, b.must(G.HadamardProd(t.n, G.NewConstant(float32(t.wt)))))
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	e.cost = terms[0]
	for _, t := range terms[1:] {
		e.cost = b.must(G.Add(e.cost, t))
	}
	if b.err != nil {
		return nil, b.err
	}
	learn, names := b.learnables("enc", "gen")
	grads, err := G.Grad(e.cost, learn...)
	if err != nil {
		return nil, fmt.Errorf("encoder-generator gradients: %w", err)
	}
	e.grads, e.names = grads, names
	G.Read(e.gen, &e.genV)
	G.Read(e.kl, &e.klV)
	G.Read(e.feat, &e.featV)
	G.Read(e.pix, &e.pixV)
	G.Read(e.gg, &e.ggV)
	e.m = G.NewTapeMachine(b.g)
	return e, b.loadStats()
}

// dGraph is the discriminator half of a step.
type dGraph struct {
	b     *builder
	m     G.VM
	x     *G.Node // (3N,3,S,S): real, reconstructed, prior samples
	cost  *G.Node
	costV G.Value
	// mean losses of the real and the generated images, for the floor
	realV, fakeV G.Value
	// realMin is the smallest possible loss on a real image (the entropy of
	// the smoothed label), subtracted before comparing with the floor
	realMin float64
	fakes   int // generated images per real one (1 or 2)
	grads   G.Nodes
	names   []string
}

func buildD(w *Weights, n, fakes int, realLabel float64) (*dGraph, error) {
	c := w.Cfg
	b := newBuilder(w, true)
	b.trains = []string{"disc"}
	d := &dGraph{b: b}
	d.x = b.input("xd", (1+fakes)*n, 3, c.ImageSize, c.ImageSize)
	logit, _ := b.discriminator(d.x)
	if b.err != nil {
		return nil, b.err
	}
	real := b.must(G.Slice(logit, G.S(0, n)))
	fake := b.must(G.Slice(logit, G.S(n, (1+fakes)*n)))
	if b.err != nil {
		return nil, b.err
	}
	d.fakes = fakes
	lr := b.sumOver(b.softplus(b.must(G.Neg(real))), n)
	if realLabel > 0 && realLabel < 1 {
		// cross-entropy against a soft target a: a·softplus(−l) + (1−a)·softplus(l)
		a := float32(realLabel)
		lrPos := b.must(G.HadamardProd(lr, G.NewConstant(a)))
		lrNeg := b.must(G.HadamardProd(b.sumOver(b.softplus(real), n), G.NewConstant(1-a)))
		lr = b.must(G.Add(lrPos, lrNeg))
	}
	lf := b.sumOver(b.softplus(fake), n)
	d.cost = b.must(G.Add(lr, lf))
	if b.err != nil {
		return nil, b.err
	}
	learn, names := b.learnables("disc")
	grads, err := G.Grad(d.cost, learn...)
	if err != nil {
		return nil, fmt.Errorf("discriminator gradients: %w", err)
	}
	d.grads, d.names = grads, names
	G.Read(d.cost, &d.costV)
	G.Read(lr, &d.realV)
	G.Read(lf, &d.fakeV)
	if realLabel > 0 && realLabel < 1 {
		d.realMin = -realLabel*math.Log(realLabel) - (1-realLabel)*math.Log(1-realLabel)
	}
	d.m = G.NewTapeMachine(b.g)
	return d, b.loadStats()
}

func setInput(n *G.Node, data []float32) {
	copy(n.Value().(*tensor.Dense).Float32s(), data)
}

func scalar(v G.Value) float64 { return float64(v.Data().(float32)) }

func gradData(ns G.Nodes) [][]float32 {
	out := make([][]float32, len(ns))
	for i, n := range ns {
		out[i] = n.Value().Data().([]float32)
	}
	return out
}

// Stepper runs training steps on a fixed batch size.
type Stepper struct {
	W           *Weights
	N           int
	eg          *egGraph
	d           *dGraph
	OptEG, OptD *Adam
	dBuf        []float32
	dFloor      float64
}

// NewStepper builds both graphs for batch size n.
func NewStepper(w *Weights, n int, lw LossWeights, lr, beta1 float64) (*Stepper, error) {
	eg, err := buildEG(w, n, lw)
	if err != nil {
		return nil, err
	}
	fakes := lw.fakesPerReal()
	d, err := buildD(w, n, fakes, lw.RealLabel)
	if err != nil {
		return nil, err
	}
	s := w.Cfg.ImageSize
	return &Stepper{W: w, N: n, eg: eg, d: d, OptEG: NewAdam(lr, beta1), OptD: NewAdam(lr, beta1), dFloor: lw.DFloor,
		dBuf: make([]float32, (1+fakes)*n*3*s*s)}, nil
}

// Close releases the graphs' machines.
func (st *Stepper) Close() {
	st.eg.m.Close()
	st.d.m.Close()
}

// Step runs one update of E and G, then one of D, on images x (N,3,S,S) with
// noise eps and prior samples zp (N,L). It returns the losses before the update.
func (st *Stepper) Step(x, eps, zp []float32) (Losses, error) {
	e := st.eg
	setInput(e.x, x)
	setInput(e.eps, eps)
	setInput(e.zp, zp)
	e.m.Reset()
	if err := e.m.RunAll(); err != nil {
		return Losses{}, fmt.Errorf("encoder-generator step: %w", err)
	}
	l := Losses{KL: scalar(e.klV) - 0.5*float64(st.W.Cfg.Latent), Feat: scalar(e.featV), Pix: scalar(e.pixV), GANG: scalar(e.ggV)}
	// The discriminator sees this step's images before E and G move.
	copy(st.dBuf, x)
	copy(st.dBuf[len(x):], e.genV.Data().([]float32))
	st.OptEG.Step(st.W.Data, e.names, gradData(e.grads))
	e.b.saveStats("enc", "gen")

	d := st.d
	setInput(d.x, st.dBuf)
	d.m.Reset()
	if err := d.m.RunAll(); err != nil {
		return Losses{}, fmt.Errorf("discriminator step: %w", err)
	}
	l.D = scalar(d.costV)
	// D rests while it wins on both sides: real images scored real (loss above
	// the label's entropy) and generated ones (two per real) scored fake.
	if st.dFloor > 0 && scalar(d.realV)-d.realMin < st.dFloor && scalar(d.fakeV)/float64(d.fakes) < st.dFloor {
		return l, nil
	}
	l.DUpdated = true
	st.OptD.Step(st.W.Data, d.names, gradData(d.grads))
	d.b.saveStats("disc")
	return l, nil
}
