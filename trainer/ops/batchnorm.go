package ops

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"fmriface/infer/nn"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BNState is one batch-norm layer application's state: the running
// statistics (used in inference, updated in training) and the statistics of
// its last forward pass, which its gradient ops read.
type BNState struct {
	Training bool
	Momentum float64   // running = Momentum·batch + (1 − Momentum)·running
	Eps      float64   // added to the variance
	RunMean  []float32 // C
	RunVar   []float32 // C, unbiased batch variances averaged as above

	mean, invStd []float32 // C: of the last forward pass
}

// NewBNState returns the state of a layer of c channels: running mean 0,
// running variance 1.
func NewBNState(c int, momentum, eps float64, training bool) *BNState {
	st := &BNState{Training: training, Momentum: momentum, Eps: eps,
		RunMean: make([]float32, c), RunVar: make([]float32, c),
		mean: make([]float32, c), invStd: make([]float32, c)}
	for i := range st.RunVar {
		st.RunVar[i] = 1
	}
	return st
}

// BatchNorm normalizes x (N, C, …) per channel and applies the scale gamma
// and shift beta (C values each, shaped (1, C, 1, …) like x): y = γ·(x − μ)/√(σ² + ε) + β,
// with the batch's μ and biased σ² in training (the running statistics
// updated like PyTorch's and gorgonia's: unbiased variance, momentum) and
// the running ones otherwise. It does in one op what gorgonia's BatchNorm
// does in four (normalise, then a broadcast product and sum, each of which
// materialises a repeated copy of γ or β): the broadcasts and their
// gradients were about a sixth of a training step.
func BatchNorm(x, gamma, beta *G.Node, st *BNState) (*G.Node, error) {
	return BatchNormNeed(x, gamma, beta, st, Need{X: true, W: true})
}

// BatchNormNeed is BatchNorm with gradients only for the inputs need names
// (W: γ and β).
func BatchNormNeed(x, gamma, beta *G.Node, st *BNState, need Need) (*G.Node, error) {
	if err := checkBN(x, gamma, beta, st); err != nil {
		return nil, err
	}
	return G.ApplyOp(&bnOp{st: st, dims: x.Dims(), need: need}, x, gamma, beta)
}

func checkBN(x, gamma, beta *G.Node, st *BNState) error {
	xs := x.Shape()
	if gamma.Dims() != len(xs) || beta.Dims() != len(xs) {
		return fmt.Errorf("batchnorm: γ %v and β %v need the %d dimensions of the input (1, C, 1, 1 …)", gamma.Shape(), beta.Shape(), len(xs))
	}
	if len(xs) < 2 || xs[1] != len(st.RunMean) || gamma.Shape().TotalSize() != xs[1] || beta.Shape().TotalSize() != xs[1] {
		return fmt.Errorf("batchnorm: input %v, γ %v, β %v and %d running statistics do not agree",
			xs, gamma.Shape(), beta.Shape(), len(st.RunMean))
	}
	return nil
}

// BatchNormELU is ELU(BatchNorm(x)) in one op: the normalised value goes
// through ELU while it is in cache, and the gradient applies ELU′ (from the
// output) on the fly. Two full passes over the activations and the ELU
// gradient's array are saved; the layers of all three networks end this way.
func BatchNormELU(x, gamma, beta *G.Node, st *BNState, need Need) (*G.Node, error) {
	if err := checkBN(x, gamma, beta, st); err != nil {
		return nil, err
	}
	return G.ApplyOp(&bnOp{st: st, dims: x.Dims(), need: need, elu: true}, x, gamma, beta)
}

// channelSpan returns N, C and the values per (sample, channel) of shape s.
func channelSpan(s tensor.Shape) (n, c, span int) {
	n, c = s[0], s[1]
	span = 1
	for _, d := range s[2:] {
		span *= d
	}
	return n, c, span
}

type bnOp struct {
	st   *BNState
	dims int
	need Need
	elu  bool // ELU on the output (BatchNormELU)
}

func (op *bnOp) Arity() int { return 3 }
func (op *bnOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, t)
}
func (op *bnOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("batchnorm: cannot infer shape from %v", in)
	}
	return s.Clone(), nil
}
func (op *bnOp) Do(vs ...G.Value) (G.Value, error) {
	x, gamma, beta, err := threeF32(vs)
	if err != nil {
		return nil, fmt.Errorf("batchnorm: %w", err)
	}
	n, c, span := channelSpan(x.Shape())
	st := op.st
	xd, g, b := x.Float32s(), gamma.Float32s(), beta.Float32s()
	y := make([]float32, len(xd))
	count := float64(n * span)
	parallel(c, func(ch int) {
		mean, invStd := float64(st.RunMean[ch]), 1/math.Sqrt(float64(st.RunVar[ch])+st.Eps)
		if st.Training {
			var sum float64
			for i := range n {
				sum += sum4(xd[(i*c+ch)*span:][:span])
			}
			mean = sum / count
			var ss float64
			for i := range n {
				ss += sqDev4(xd[(i*c+ch)*span:][:span], mean)
			}
			invStd = 1 / math.Sqrt(ss/count+st.Eps)
			m := st.Momentum
			st.RunMean[ch] = float32(m*mean + (1-m)*float64(st.RunMean[ch]))
			if count > 1 {
				st.RunVar[ch] = float32(m*ss/(count-1) + (1-m)*float64(st.RunVar[ch]))
			}
		}
		st.mean[ch], st.invStd[ch] = float32(mean), float32(invStd)
		scale := float32(invStd) * g[ch]
		shift := b[ch] - float32(mean)*scale
		for i := range n {
			o := (i*c + ch) * span
			out, in := y[o:o+span], xd[o:o+span]
			for k, v := range in {
				out[k] = v*scale + shift
			}
			if op.elu {
				nn.ELUInto(out, out)
			}
		}
	})
	return tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.WithBacking(y)), nil
}
func (op *bnOp) ReturnsPtr() bool      { return false }
func (op *bnOp) CallsExtern() bool     { return false }
func (op *bnOp) OverwritesInput() int  { return -1 }
func (op *bnOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s@%p", op.String(), op.st) }
func (op *bnOp) Hashcode() uint32      { return writtenHash(op) }
func (op *bnOp) String() string {
	if op.elu {
		return fmt.Sprintf("BatchNormELU{%d}", len(op.st.RunMean))
	}
	return fmt.Sprintf("BatchNorm{%d}", len(op.st.RunMean))
}
func (op *bnOp) DiffWRT(int) []bool { return []bool{op.need.X, op.need.W, op.need.W} }
func (op *bnOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	x, gamma := inputs[0], inputs[1]
	out := make(G.Nodes, 3)
	for i, which := range []bnGrad{bnDx, bnDgamma, bnDbeta} {
		if !op.DiffWRT(3)[i] {
			continue
		}
		shape := x.Shape().Clone()
		if which != bnDx {
			shape = inputs[i].Shape().Clone()
		}
		in := G.Nodes{x, gamma, grad}
		if op.elu {
			in = G.Nodes{x, gamma, output, grad}
		}
		n, err := G.ApplyOp(&bnGradOp{st: op.st, which: which, shape: shape, dims: op.dims, elu: op.elu}, in...)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

type bnGrad int

const (
	bnDx bnGrad = iota
	bnDgamma
	bnDbeta
)

// bnGradOp computes one of BatchNorm's gradients from (x, γ, dy) and the
// forward pass's statistics. With x̂ = (x − μ)·s, s = 1/√(σ² + ε), and sums
// over a channel's N·span values: dβ = Σ dy, dγ = Σ dy·x̂, and in training
// dx = γ·s·(dy − dβ/m − x̂·dγ/m) (m values per channel), in inference
// dx = γ·s·dy.
//
// After BatchNormELU its inputs are (x, γ, y, dy) with y the op's output, and
// dy·ELU′ = dy·(min(y, 0) + 1) stands for dy throughout, computed a row at a
// time into a scratch row.
type bnGradOp struct {
	st    *BNState
	which bnGrad
	shape tensor.Shape
	dims  int
	elu   bool
}

func (op *bnGradOp) Arity() int {
	if op.elu {
		return 4
	}
	return 3
}
func (op *bnGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	if op.elu {
		return hm.NewFnType(t, t, t, t, t)
	}
	return hm.NewFnType(t, t, t, t)
}
func (op *bnGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }
func (op *bnGradOp) Do(vs ...G.Value) (G.Value, error) {
	var yd []float32 // ELU's output, after BatchNormELU
	if op.elu {
		if len(vs) != 4 {
			return nil, fmt.Errorf("batchnorm-ELU gradient: want 4 inputs, got %d", len(vs))
		}
		y, ok := vs[2].(*tensor.Dense)
		if !ok || y.Dtype() != tensor.Float32 || y.Shape().TotalSize() != vs[0].Shape().TotalSize() {
			return nil, fmt.Errorf("batchnorm-ELU gradient: output is %T %v, want float32 like x", vs[2], vs[2].Shape())
		}
		yd = y.Float32s()
		vs = []G.Value{vs[0], vs[1], vs[3]}
	}
	x, gamma, dy, err := threeF32(vs)
	if err != nil {
		return nil, fmt.Errorf("batchnorm gradient: %w", err)
	}
	n, c, span := channelSpan(x.Shape())
	st := op.st
	xd, g, dyd := x.Float32s(), gamma.Float32s(), dy.Float32s()
	out := make([]float32, op.shape.TotalSize())
	count := float32(n * span)
	parallel(c, func(ch int) {
		mean, s := st.mean[ch], st.invStd[ch]
		// dyRow returns the gradient at the batch norm's output for row o:
		// dy itself, or after BatchNormELU dy·ELU′ in scratch.
		var scratch []float32
		if yd != nil {
			scratch = make([]float32, span)
		}
		dyRow := func(o int) []float32 {
			if yd == nil {
				return dyd[o : o+span]
			}
			nn.ELUGradInto(scratch, dyd[o:o+span], yd[o:o+span])
			return scratch
		}
		// Each op sums only what it needs: dβ reads dy alone, and dx in
		// inference needs no sums.
		var sumDy, sumDyXhat float64
		switch {
		case op.which == bnDbeta:
			for i := range n {
				sumDy += sum4(dyRow((i*c + ch) * span))
			}
		case op.which == bnDgamma || st.Training:
			for i := range n {
				o := (i*c + ch) * span
				d, dx := dyXhat4(xd[o:o+span], dyRow(o), mean, s)
				sumDy += d
				sumDyXhat += dx
			}
		}
		switch op.which {
		case bnDbeta:
			out[ch] = float32(sumDy)
			return
		case bnDgamma:
			out[ch] = float32(sumDyXhat)
			return
		}
		k := g[ch] * s
		a, b := float32(sumDy)/count, float32(sumDyXhat)/count
		if !st.Training {
			a, b = 0, 0
		}
		for i := range n {
			o := (i*c + ch) * span
			in, d, dx := xd[o:o+span], dyRow(o), out[o:o+span]
			for j, v := range in {
				dx[j] = k * (d[j] - a - (v-mean)*s*b)
			}
		}
	})
	return tensor.New(tensor.WithShape(op.shape.Clone()...), tensor.WithBacking(out)), nil
}
func (op *bnGradOp) ReturnsPtr() bool     { return false }
func (op *bnGradOp) CallsExtern() bool    { return false }
func (op *bnGradOp) OverwritesInput() int { return -1 }
func (op *bnGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "%s@%p", op.String(), op.st)
}
func (op *bnGradOp) Hashcode() uint32 { return writtenHash(op) }
func (op *bnGradOp) String() string {
	if op.elu {
		return fmt.Sprintf("BatchNormELUGrad{%d,%d}", op.which, len(op.st.RunMean))
	}
	return fmt.Sprintf("BatchNormGrad{%d,%d}", op.which, len(op.st.RunMean))
}

// The channel sums below keep four partial sums: one running sum is a chain
// of dependent float64 additions, each waiting for the last, and the four
// chains run side by side (the batch-norm ops took 2–3× as long with one).

// sum4 returns Σ x.
func sum4(x []float32) float64 {
	var a, b, c, d float64
	for len(x) >= 4 {
		a += float64(x[0])
		b += float64(x[1])
		c += float64(x[2])
		d += float64(x[3])
		x = x[4:]
	}
	for _, v := range x {
		a += float64(v)
	}
	return (a + b) + (c + d)
}

// sqDev4 returns Σ (x − mean)².
func sqDev4(x []float32, mean float64) float64 {
	var a, b, c, d float64
	for len(x) >= 4 {
		e0, e1, e2, e3 := float64(x[0])-mean, float64(x[1])-mean, float64(x[2])-mean, float64(x[3])-mean
		a += e0 * e0
		b += e1 * e1
		c += e2 * e2
		d += e3 * e3
		x = x[4:]
	}
	for _, v := range x {
		e := float64(v) - mean
		a += e * e
	}
	return (a + b) + (c + d)
}

// dyXhat4 returns Σ dy and Σ dy·x̂ with x̂ = (x − mean)·s.
func dyXhat4(x, dy []float32, mean, s float32) (sumDy, sumDyXhat float64) {
	dy = dy[:len(x)]
	var a, b, c, d, e, f, g, h float64
	for len(x) >= 4 && len(dy) >= 4 {
		a += float64(dy[0])
		b += float64(dy[1])
		c += float64(dy[2])
		d += float64(dy[3])
		e += float64(dy[0]) * float64((x[0]-mean)*s)
		f += float64(dy[1]) * float64((x[1]-mean)*s)
		g += float64(dy[2]) * float64((x[2]-mean)*s)
		h += float64(dy[3]) * float64((x[3]-mean)*s)
		x, dy = x[4:], dy[4:]
	}
	for i, v := range x {
		a += float64(dy[i])
		e += float64(dy[i]) * float64((v-mean)*s)
	}
	return (a + b) + (c + d), (e + f) + (g + h)
}

func threeF32(vs []G.Value) (a, b, c *tensor.Dense, err error) {
	if len(vs) != 3 {
		return nil, nil, nil, fmt.Errorf("want 3 inputs, got %d", len(vs))
	}
	var ds [3]*tensor.Dense
	for i, v := range vs {
		d, ok := v.(*tensor.Dense)
		if !ok || d.Dtype() != tensor.Float32 {
			return nil, nil, nil, fmt.Errorf("input %d is %T, want a float32 tensor", i, v)
		}
		ds[i] = d
	}
	return ds[0], ds[1], ds[2], nil
}

// writtenHash hashes what WriteHash writes: the state's address makes two
// applications of a layer different ops, so gorgonia never merges them.
func writtenHash(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
