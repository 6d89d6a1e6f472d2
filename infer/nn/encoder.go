package nn

import (
	"fmt"
	"math"

	"fmriface/infer/arch"
	"fmriface/infer/gemm"
)

// Encoder maps an image to the mean and log standard deviation of its latent
// distribution: stride-2 convolutions with folded batch norm and ELU, a
// linear layer with no activation, then μ = tanh(linear) and
// log σ = 0.5·tanh(linear). It owns all its buffers; it is not safe for
// concurrent use.
type Encoder struct {
	cfg          arch.Config
	ws           gemm.Workspace
	convs        []Conv2D
	sides        []int       // input side of each conv
	acts         [][]float32 // acts[i]: output of conv i
	cols         []float32
	fc, mu, logS Linear
	h            []float32
	white        *latentMap // nil unless the model whitens its latent
}

// latentMap is a model's latent whitening, w = (μ − mean)·a (see the trainer's
// vaegan.LatentMap).
type latentMap struct {
	mean, a []float32
	out     []float32
}

// NewEncoder builds the encoder of cfg from params, keyed by arch.Param names
// ("enc.conv1.w", …); other entries are ignored. The tensors are copied. If
// params holds a latent map ("latent.mean", "latent.whiten"), Encode returns
// μ in the model's whitened latent, as the trainer's encoder does.
func NewEncoder(cfg arch.Config, params map[string][]float32) (*Encoder, error) {
	t, err := newTensors(cfg, "enc", params)
	if err != nil {
		return nil, err
	}
	e := &Encoder{cfg: cfg}
	s, in := cfg.ImageSize, 3
	maxCols := 0
	for i, cout := range cfg.EncChannels {
		name := fmt.Sprintf("enc.conv%d", i+1)
		l := Conv2D{Cin: in, Cout: cout, K: cfg.EncKernel, Stride: 2, Pad: arch.ConvPad(cfg.EncKernel), W: t.get(name + ".w")}
		l.FoldScaleShift(t.bn(name))
		e.convs = append(e.convs, l)
		e.sides = append(e.sides, s)
		maxCols = max(maxCols, l.ColsLen(s, s))
		e.ws.Reserve(cout, l.OutSize(s)*l.OutSize(s), in*l.K*l.K)
		s = l.OutSize(s)
		e.acts = append(e.acts, make([]float32, cout*s*s))
		in = cout
	}
	if s != cfg.EncSize() {
		return nil, fmt.Errorf("nn: arch %q: encoder ends at %d×%d, want %d", cfg.Name, s, s, cfg.EncSize())
	}
	e.cols = make([]float32, maxCols)
	e.fc = Linear{In: in * s * s, Out: cfg.EncHidden, W: t.get("enc.fc.w"), B: t.get("enc.fc.b")}
	e.mu = Linear{In: cfg.EncHidden, Out: cfg.Latent, W: t.get("enc.mu.w"), B: t.get("enc.mu.b")}
	e.logS = Linear{In: cfg.EncHidden, Out: cfg.Latent, W: t.get("enc.logsigma.w"), B: t.get("enc.logsigma.b")}
	e.h = make([]float32, cfg.EncHidden)
	if e.white, err = newLatentMap(cfg, params); err != nil {
		return nil, err
	}
	return e, nil
}

// newLatentMap reads the optional latent map: both tensors or neither.
func newLatentMap(cfg arch.Config, params map[string][]float32) (*latentMap, error) {
	mean, okM := params["latent.mean"]
	a, okA := params["latent.whiten"]
	l := cfg.Latent
	switch {
	case !okM && !okA:
		return nil, nil
	case okM != okA:
		return nil, fmt.Errorf("nn: arch %q: latent.mean and latent.whiten must come together", cfg.Name)
	case len(mean) != l || len(a) != l*l:
		return nil, fmt.Errorf("nn: arch %q: latent map has %d and %d values, want %d and %d", cfg.Name, len(mean), len(a), l, l*l)
	}
	for _, v := range [][]float32{mean, a} {
		if i := FirstNonFinite(v); i >= 0 {
			return nil, fmt.Errorf("nn: arch %q: latent map value %d is %v", cfg.Name, i, v[i])
		}
	}
	return &latentMap{mean: append([]float32(nil), mean...), a: append([]float32(nil), a...), out: make([]float32, l)}, nil
}

// apply whitens mu in place.
func (m *latentMap) apply(mu []float32) {
	l := len(m.mean)
	clear(m.out)
	for k := range l {
		v := mu[k] - m.mean[k]
		row := m.a[k*l : (k+1)*l]
		for j, x := range row {
			m.out[j] += v * x
		}
	}
	copy(mu, m.out)
}

// Config is the architecture the encoder was built for.
func (e *Encoder) Config() arch.Config { return e.cfg }

// Encode writes μ and log σ (length cfg.Latent each) of img (3×S×S CHW in
// [0,1]).
func (e *Encoder) Encode(img, mu, logSigma []float32) error {
	c := e.cfg
	if want := 3 * c.ImageSize * c.ImageSize; len(img) != want {
		return fmt.Errorf("nn: encoder %q: image has %d values, want 3×%d×%d = %d", c.Name, len(img), c.ImageSize, c.ImageSize, want)
	}
	if len(mu) != c.Latent || len(logSigma) != c.Latent {
		return fmt.Errorf("nn: encoder %q: mu and logSigma have %d and %d values, want %d", c.Name, len(mu), len(logSigma), c.Latent)
	}
	for i, v := range img {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("nn: encoder %q: image value %d is %v", c.Name, i, v)
		}
	}
	x := img
	for i := range e.convs {
		l := &e.convs[i]
		l.Forward(&e.ws, x, e.sides[i], e.sides[i], e.cols, e.acts[i])
		ELU(e.acts[i])
		x = e.acts[i]
	}
	e.fc.Forward(&e.ws, x, e.h)
	e.mu.Forward(&e.ws, e.h, mu)
	Tanh(mu, 1)
	if e.white != nil {
		e.white.apply(mu)
	}
	e.logS.Forward(&e.ws, e.h, logSigma)
	Tanh(logSigma, 0.5)
	return nil
}
