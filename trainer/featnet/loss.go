package featnet

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Targets are one batch's labels. The trainer fills them before each run of
// the graph; the loss ops read them.
type Targets struct {
	Attr []float32 // N×Attrs: 1 attribute present, 0 absent
	ID   []int32   // N: identity class, −1 for an image without one
}

type lossKind int

const (
	lossBCE lossKind = iota // binary cross-entropy of each logit against Attr
	lossCE                  // softmax cross-entropy of each row against ID
)

// lossTerms returns, for logits (N, K), a (N, K) tensor whose sum is the
// batch's summed loss: for lossBCE the elementwise softplus(l) − y·l, for
// lossCE each row's log-sum-exp minus the logit of its class, in the row's
// first column (zero rows for images without an identity). Its gradient is
// σ(l) − y, or softmax(l) − onehot(y), times the incoming gradient. gorgonia
// 0.9.18's own LogSumExp adds the maximum before taking the logarithm, so it
// is not used.
func lossTerms(logits *G.Node, kind lossKind, t *Targets) (*G.Node, error) {
	s := logits.Shape()
	if len(s) != 2 {
		return nil, fmt.Errorf("loss: want (N, K) logits, got %v", s)
	}
	return G.ApplyOp(&lossOp{kind: kind, t: t}, logits)
}

type lossOp struct {
	kind lossKind
	t    *Targets
}

func (op *lossOp) Arity() int { return 1 }
func (op *lossOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *lossOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("loss: cannot infer shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (op *lossOp) Do(vs ...G.Value) (G.Value, error) {
	l, err := f32(vs[0])
	if err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	n, k := l.Shape()[0], l.Shape()[1]
	out := tensor.New(tensor.WithShape(n, k), tensor.Of(tensor.Float32))
	o, x := out.Float32s(), l.Float32s()
	if err := op.check(n, k); err != nil {
		return nil, err
	}
	switch op.kind {
	case lossBCE:
		for i, v := range x {
			o[i] = float32(softplus(float64(v)) - float64(op.t.Attr[i])*float64(v))
		}
	case lossCE:
		for i := 0; i < n; i++ {
			y := op.t.ID[i]
			if y < 0 {
				continue
			}
			row := x[i*k : (i+1)*k]
			o[i*k] = float32(logSumExp(row) - float64(row[y]))
		}
	}
	return out, nil
}

func (op *lossOp) check(n, k int) error {
	switch op.kind {
	case lossBCE:
		if len(op.t.Attr) != n*k {
			return fmt.Errorf("loss: %d attribute targets for %d×%d logits", len(op.t.Attr), n, k)
		}
	case lossCE:
		if len(op.t.ID) != n {
			return fmt.Errorf("loss: %d identity targets for %d rows", len(op.t.ID), n)
		}
		for _, y := range op.t.ID {
			if int(y) >= k {
				return fmt.Errorf("loss: identity %d, only %d classes", y, k)
			}
		}
	}
	return nil
}

func (op *lossOp) ReturnsPtr() bool      { return false }
func (op *lossOp) CallsExtern() bool     { return false }
func (op *lossOp) OverwritesInput() int  { return -1 }
func (op *lossOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s@%p", op.String(), op.t) }
func (op *lossOp) Hashcode() uint32      { return hashOf(op) }
func (op *lossOp) String() string        { return fmt.Sprintf("Loss{%d}", op.kind) }
func (op *lossOp) DiffWRT(int) []bool    { return []bool{true} }
func (op *lossOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&lossGradOp{op}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

type lossGradOp struct{ *lossOp }

func (op *lossGradOp) Arity() int { return 2 }
func (op *lossGradOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *lossGradOp) Do(vs ...G.Value) (G.Value, error) {
	l, err := f32(vs[0])
	if err != nil {
		return nil, fmt.Errorf("loss grad: %w", err)
	}
	dy, err := f32(vs[1])
	if err != nil {
		return nil, fmt.Errorf("loss grad: %w", err)
	}
	n, k := l.Shape()[0], l.Shape()[1]
	if err := op.check(n, k); err != nil {
		return nil, err
	}
	out := tensor.New(tensor.WithShape(n, k), tensor.Of(tensor.Float32))
	o, x, g := out.Float32s(), l.Float32s(), dy.Float32s()
	switch op.kind {
	case lossBCE:
		for i, v := range x {
			o[i] = g[i] * (float32(sigmoid(float64(v))) - op.t.Attr[i])
		}
	case lossCE:
		for i := 0; i < n; i++ {
			y := op.t.ID[i]
			if y < 0 {
				continue
			}
			row := x[i*k : (i+1)*k]
			lse := logSumExp(row)
			gi := g[i*k]
			for j, v := range row {
				o[i*k+j] = gi * float32(math.Exp(float64(v)-lse))
			}
			o[i*k+int(y)] -= gi
		}
	}
	return out, nil
}
func (op *lossGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s@%p", op.String(), op.t) }
func (op *lossGradOp) Hashcode() uint32      { return hashOf(op) }
func (op *lossGradOp) String() string        { return fmt.Sprintf("LossGrad{%d}", op.kind) }

func softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func logSumExp(row []float32) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

func f32(v G.Value) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok || d.Dtype() != tensor.Float32 || d.IsView() || d.Dims() != 2 {
		return nil, fmt.Errorf("want a contiguous 2-D float32 tensor, got %T", v)
	}
	return d, nil
}

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
