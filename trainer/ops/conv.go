package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2d is a strided convolution of x (N, Cin, H, W) with w (Cout, Cin, K, K),
// giving (N, Cout, Ho, Wo) with Ho = (H + 2·Pad − K)/Stride + 1. It is the adjoint
// of ConvTranspose2d and shares its kernels; unlike gorgonia's Conv2d it runs
// images on all cores and lowers each image in cache (perimage.go), or the whole
// batch at once for maps under perImageMin pixels.
func Conv2d(x, w *G.Node, geom Geom) (*G.Node, error) {
	return Conv2dNeed(x, w, geom, Need{X: true, W: true})
}

// Need says which inputs of an op get a gradient: X the data, W the
// parameters (a convolution's weights, batch norm's γ and β). gorgonia builds
// a gradient op for every input an op declares differentiable, wanted or
// not, and runs it every step: a graph that trains the encoder and generator
// would otherwise compute the discriminator's weight gradients too, and every
// graph the gradient of its input images.
type Need struct{ X, W bool }

func (n Need) diffWRT() []bool { return []bool{n.X, n.W} }

// Conv2dNeed is Conv2d with gradients only for the inputs need names.
func Conv2dNeed(x, w *G.Node, geom Geom, need Need) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 4 || len(ws) != 4 {
		return nil, fmt.Errorf("conv: want 4-D input and weights, got %v and %v", xs, ws)
	}
	if xs[1] != ws[1] || ws[2] != geom.K || ws[3] != geom.K || geom.OutPad != 0 {
		return nil, fmt.Errorf("conv: input %v does not fit weights %v (K=%d)", xs, ws, geom.K)
	}
	if geom.Stride < 1 || geom.Pad < 0 || (xs[2]+2*geom.Pad-geom.K) < 0 {
		return nil, fmt.Errorf("conv: bad geometry %+v for input %v", geom, xs)
	}
	return G.ApplyOp(&convOp{geom: geom, need: need}, x, w)
}

func (g Geom) convOut(in int) int { return (in+2*g.Pad-g.K)/g.Stride + 1 }

type convOp struct {
	geom Geom
	need Need
	// cols passes im2col(x) to the weight gradient. SymDiff sets it, so a
	// graph without a backward pass keeps nothing.
	cols *memo
}

func (op *convOp) Arity() int { return 2 }
func (op *convOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *convOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	xs, ok1 := in[0].(tensor.Shape)
	ws, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || len(xs) != 4 || len(ws) != 4 {
		return nil, fmt.Errorf("conv: cannot infer shape from %v", in)
	}
	return tensor.Shape{xs[0], ws[0], op.geom.convOut(xs[2]), op.geom.convOut(xs[3])}, nil
}
func (op *convOp) Do(vs ...G.Value) (G.Value, error) {
	x, w, err := twoF32(vs)
	if err != nil {
		return nil, fmt.Errorf("conv: %w", err)
	}
	xs, ws := x.Shape(), w.Shape()
	n, cin, h, wd := xs[0], xs[1], xs[2], xs[3]
	cout := ws[0]
	ho, wo := op.geom.convOut(h), op.geom.convOut(wd)
	rows := cin * op.geom.K * op.geom.K
	y := tensor.New(tensor.WithShape(n, cout, ho, wo), tensor.Of(tensor.Float32))
	xd, wt, yd := x.Float32s(), w.Float32s(), y.Float32s()
	if p := ho * wo; p >= perImageMin {
		impl := G.WhichBLAS()
		eachImage(n, rows*p, func(b int, cols []float32) {
			im2colSerial(xd[b*cin*h*wd:][:cin*h*wd], cols, 1, cin, ho, wo, h, wd, op.geom)
			impl.Sgemm(blas.NoTrans, blas.NoTrans, cout, p, rows, 1, wt, rows, cols, p, 0, yd[b*cout*p:], p)
		})
		return y, nil
	}
	cols := op.cols.im2col(0, xd, n, cin, ho, wo, h, wd, op.geom)
	mulToNCHW(blas.NoTrans, cout, rows, wt, rows, cols, n, ho*wo, yd)
	return y, nil
}
func (op *convOp) ReturnsPtr() bool      { return false }
func (op *convOp) CallsExtern() bool     { return false }
func (op *convOp) OverwritesInput() int  { return -1 }
func (op *convOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *convOp) Hashcode() uint32      { return hashOf(op) }
func (op *convOp) String() string {
	return fmt.Sprintf("Conv2d{k=%d,s=%d,p=%d}", op.geom.K, op.geom.Stride, op.geom.Pad)
}
func (op *convOp) DiffWRT(int) []bool { return op.need.diffWRT() }
func (op *convOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	x, w := inputs[0], inputs[1]
	var dx, dw *G.Node
	var err error
	if op.need.X {
		if dx, err = G.ApplyOp(&convDxOp{geom: op.geom, xShape: x.Shape().Clone()}, grad, w); err != nil {
			return nil, err
		}
	}
	if op.need.W {
		op.cols = newMemo()
		if dw, err = G.ApplyOp(&convDwOp{geom: op.geom, wShape: w.Shape().Clone(), cols: op.cols}, x, grad); err != nil {
			return nil, err
		}
	}
	return G.Nodes{dx, dw}, nil
}

// convDxOp: cols = wᵀ·dy (mulFromNCHW), scattered back onto x's grid.
type convDxOp struct {
	geom   Geom
	xShape tensor.Shape
}

func (op *convDxOp) Arity() int { return 2 }
func (op *convDxOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *convDxOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.xShape.Clone(), nil }
func (op *convDxOp) Do(vs ...G.Value) (G.Value, error) {
	dy, w, err := twoF32(vs)
	if err != nil {
		return nil, fmt.Errorf("conv dx: %w", err)
	}
	n, cin, h, wd := op.xShape[0], op.xShape[1], op.xShape[2], op.xShape[3]
	ds := dy.Shape()
	cout, ho, wo := ds[1], ds[2], ds[3]
	rows := cin * op.geom.K * op.geom.K
	dx := tensor.New(tensor.WithShape(n, cin, h, wd), tensor.Of(tensor.Float32))
	dyd, wt, dxd := dy.Float32s(), w.Float32s(), dx.Float32s()
	if p := ho * wo; p >= perImageMin {
		impl := G.WhichBLAS()
		eachImage(n, rows*p, func(b int, cols []float32) {
			impl.Sgemm(blas.Trans, blas.NoTrans, rows, p, cout, 1, wt, rows, dyd[b*cout*p:], p, 0, cols, p)
			col2imSerial(cols, dxd[b*cin*h*wd:][:cin*h*wd], 1, cin, ho, wo, h, wd, op.geom)
		})
		return dx, nil
	}
	cols := make([]float32, rows*n*ho*wo)
	mulFromNCHW(blas.Trans, rows, cout, wt, rows, dyd, n, ho*wo, cols)
	col2im(cols, dxd, n, cin, ho, wo, h, wd, op.geom)
	return dx, nil
}
func (op *convDxOp) ReturnsPtr() bool      { return false }
func (op *convDxOp) CallsExtern() bool     { return false }
func (op *convDxOp) OverwritesInput() int  { return -1 }
func (op *convDxOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *convDxOp) Hashcode() uint32      { return hashOf(op) }
func (op *convDxOp) String() string        { return fmt.Sprintf("Conv2dDx{%+v,%v}", op.geom, op.xShape) }

// convDwOp: dw (Cout × Cin·K·K) = dy · im2col(x)ᵀ, summed over the batch.
type convDwOp struct {
	geom   Geom
	wShape tensor.Shape
	cols   *memo // from convOp
}

func (op *convDwOp) Arity() int { return 2 }
func (op *convDwOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *convDwOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.wShape.Clone(), nil }
func (op *convDwOp) Do(vs ...G.Value) (G.Value, error) {
	x, dy, err := twoF32(vs)
	if err != nil {
		return nil, fmt.Errorf("conv dw: %w", err)
	}
	xs, ds := x.Shape(), dy.Shape()
	n, cin, h, wd := xs[0], xs[1], xs[2], xs[3]
	cout, ho, wo := ds[1], ds[2], ds[3]
	rows := cin * op.geom.K * op.geom.K
	dw := tensor.New(tensor.WithShape(op.wShape...), tensor.Of(tensor.Float32))
	xd, dyd, dwd := x.Float32s(), dy.Float32s(), dw.Float32s()
	if p := ho * wo; p >= perImageMin {
		impl := G.WhichBLAS()
		eachImageSum(n, rows*p, dwd, func(b int, cols, acc []float32, beta float32) {
			im2colSerial(xd[b*cin*h*wd:][:cin*h*wd], cols, 1, cin, ho, wo, h, wd, op.geom)
			impl.Sgemm(blas.NoTrans, blas.Trans, cout, rows, p, 1, dyd[b*cout*p:], p, cols, p, beta, acc, rows)
		})
		return dw, nil
	}
	cols := op.cols.im2col(1, xd, n, cin, ho, wo, h, wd, op.geom)
	mulNCHWColsT(cout, rows, dyd, n, ho*wo, cols, dwd)
	return dw, nil
}
func (op *convDwOp) ReturnsPtr() bool      { return false }
func (op *convDwOp) CallsExtern() bool     { return false }
func (op *convDwOp) OverwritesInput() int  { return -1 }
func (op *convDwOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *convDwOp) Hashcode() uint32      { return hashOf(op) }
func (op *convDwOp) String() string        { return fmt.Sprintf("Conv2dDw{%+v,%v}", op.geom, op.wShape) }
