package ops

import (
	"fmt"
	"hash"
	"runtime"
	"sync"

	"fmriface/infer/nn"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Elu applies ELU with α = 1: x for x > 0, exp(x) − 1 otherwise. Its gradient is
// computed from the output (1 for y > 0, y + 1 otherwise), so no input is kept.
func Elu(x *G.Node) (*G.Node, error) {
	return G.ApplyOp(&eluOp{dims: x.Dims()}, x)
}

type eluOp struct{ dims int }

func (op *eluOp) Arity() int { return 1 }
func (op *eluOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *eluOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("elu: cannot infer shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (op *eluOp) Do(vs ...G.Value) (G.Value, error) {
	x, ok := vs[0].(*tensor.Dense)
	if !ok || x.Dtype() != tensor.Float32 || x.IsView() {
		return nil, fmt.Errorf("elu: want a contiguous float32 tensor, got %T", vs[0])
	}
	y := tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.Of(tensor.Float32))
	yd, xd := y.Float32s(), x.Float32s()
	chunks(len(xd), func(lo, hi int) {
		// nn's float32 ELU: math.Exp in float64 was most of this op's time.
		nn.ELUInto(yd[lo:hi], xd[lo:hi])
	})
	return y, nil
}
func (op *eluOp) ReturnsPtr() bool      { return false }
func (op *eluOp) CallsExtern() bool     { return false }
func (op *eluOp) OverwritesInput() int  { return -1 }
func (op *eluOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *eluOp) Hashcode() uint32      { return hashOf(op) }
func (op *eluOp) String() string        { return fmt.Sprintf("Elu{%d}", op.dims) }
func (op *eluOp) DiffWRT(int) []bool    { return []bool{true} }
func (op *eluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&eluGradOp{dims: op.dims}, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

type eluGradOp struct{ dims int }

func (op *eluGradOp) Arity() int { return 2 }
func (op *eluGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *eluGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("elu grad: cannot infer shape from %v", in[0])
	}
	return s.Clone(), nil
}
func (op *eluGradOp) Do(vs ...G.Value) (G.Value, error) {
	y, dy, err := twoF32(vs)
	if err != nil {
		return nil, fmt.Errorf("elu grad: %w", err)
	}
	dx := tensor.New(tensor.WithShape(y.Shape().Clone()...), tensor.Of(tensor.Float32))
	d, g, yd := dx.Float32s(), dy.Float32s(), y.Float32s()
	chunks(len(yd), func(lo, hi int) {
		nn.ELUGradInto(d[lo:hi], g[lo:hi], yd[lo:hi])
	})
	return dx, nil
}
func (op *eluGradOp) ReturnsPtr() bool      { return false }
func (op *eluGradOp) CallsExtern() bool     { return false }
func (op *eluGradOp) OverwritesInput() int  { return -1 }
func (op *eluGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *eluGradOp) Hashcode() uint32      { return hashOf(op) }
func (op *eluGradOp) String() string        { return fmt.Sprintf("EluGrad{%d}", op.dims) }

// chunks splits [0,n) into one contiguous range per worker (elementwise ops are
// memory-bound, so large contiguous ranges beat interleaving).
func chunks(n int, f func(lo, hi int)) {
	const minChunk = 1 << 14
	parts := min(runtime.GOMAXPROCS(0), (n+minChunk-1)/minChunk)
	if parts <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Add(1)
		go func() { defer wg.Done(); f(lo, hi) }()
	}
	wg.Wait()
}
