package ops

import (
	"fmt"
	"hash"
	"hash/fnv"
	"runtime"
	"sync"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Geom is the geometry of a stride-s transposed convolution with a K×K kernel,
// padding Pad and output padding OutPad:
// out = (in−1)·s − 2·Pad + K + OutPad, as in PyTorch's ConvTranspose2d.
type Geom struct {
	K, Stride, Pad, OutPad int
}

func (g Geom) out(in int) int { return (in-1)*g.Stride - 2*g.Pad + g.K + g.OutPad }

// ConvTranspose2d applies a transposed convolution to x (N, Cin, H, W) with
// weights w (Cin, Cout, K, K) and returns (N, Cout, Ho, Wo).
func ConvTranspose2d(x, w *G.Node, geom Geom) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 4 || len(ws) != 4 {
		return nil, fmt.Errorf("convtranspose: want 4-D input and weights, got %v and %v", xs, ws)
	}
	if xs[1] != ws[0] || ws[2] != geom.K || ws[3] != geom.K {
		return nil, fmt.Errorf("convtranspose: input %v does not fit weights %v (K=%d)", xs, ws, geom.K)
	}
	if geom.Stride < 1 || geom.Pad < 0 || geom.OutPad < 0 || geom.OutPad >= geom.Stride {
		return nil, fmt.Errorf("convtranspose: bad geometry %+v", geom)
	}
	return G.ApplyOp(&deconvOp{geom: geom}, x, w)
}

// deconvOp is the forward pass: cols = wᵀ·x (GEMM), then col2im scatters cols into y.
type deconvOp struct {
	geom Geom
	// cols passes im2col(dy) between the two gradient ops (see memo). Set
	// by SymDiff.
	cols *memo
}

func (op *deconvOp) Arity() int { return 2 }
func (op *deconvOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *deconvOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	xs, ok1 := in[0].(tensor.Shape)
	ws, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || len(xs) != 4 || len(ws) != 4 {
		return nil, fmt.Errorf("convtranspose: cannot infer shape from %v", in)
	}
	return tensor.Shape{xs[0], ws[1], op.geom.out(xs[2]), op.geom.out(xs[3])}, nil
}
func (op *deconvOp) Do(vs ...G.Value) (G.Value, error) {
	x, w, err := twoF32(vs)
	if err != nil {
		return nil, fmt.Errorf("convtranspose: %w", err)
	}
	xs, ws := x.Shape(), w.Shape()
	n, cin, h, wd := xs[0], xs[1], xs[2], xs[3]
	cout := ws[1]
	ho, wo := op.geom.out(h), op.geom.out(wd)
	y := tensor.New(tensor.WithShape(n, cout, ho, wo), tensor.Of(tensor.Float32))
	rows := cout * op.geom.K * op.geom.K
	xd, wt, yd := x.Float32s(), w.Float32s(), y.Float32s()
	if p := h * wd; p >= perImageMin {
		impl := G.WhichBLAS()
		eachImage(n, rows*p, func(b int, cols []float32) {
			impl.Sgemm(blas.Trans, blas.NoTrans, rows, p, cin, 1, wt, rows, xd[b*cin*p:], p, 0, cols, p)
			col2imSerial(cols, yd[b*cout*ho*wo:][:cout*ho*wo], 1, cout, h, wd, ho, wo, op.geom)
		})
		return y, nil
	}
	cols := make([]float32, rows*n*h*wd)
	// cols (rows × NHW) = wᵀ (rows × Cin) · x
	mulFromNCHW(blas.Trans, rows, cin, wt, rows, xd, n, h*wd, cols)
	col2im(cols, yd, n, cout, h, wd, ho, wo, op.geom)
	return y, nil
}
func (op *deconvOp) ReturnsPtr() bool      { return false }
func (op *deconvOp) CallsExtern() bool     { return false }
func (op *deconvOp) OverwritesInput() int  { return -1 }
func (op *deconvOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *deconvOp) Hashcode() uint32      { return hashOf(op) }
func (op *deconvOp) String() string {
	return fmt.Sprintf("ConvTranspose2d{k=%d,s=%d,p=%d,op=%d}", op.geom.K, op.geom.Stride, op.geom.Pad, op.geom.OutPad)
}
func (op *deconvOp) DiffWRT(int) []bool { return []bool{true, true} }
func (op *deconvOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	x, w := inputs[0], inputs[1]
	op.cols = newMemo()
	dx, err := G.ApplyOp(&deconvDxOp{geom: op.geom, xShape: x.Shape().Clone(), cols: op.cols}, grad, w)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(&deconvDwOp{geom: op.geom, wShape: w.Shape().Clone(), cols: op.cols}, x, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw}, nil
}

// deconvDxOp: dx = w · im2col(dy), image by image. It is an ordinary strided conv.
type deconvDxOp struct {
	geom   Geom
	xShape tensor.Shape
	cols   *memo // shared with deconvDwOp
}

func (op *deconvDxOp) Arity() int { return 2 }
func (op *deconvDxOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *deconvDxOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.xShape.Clone(), nil }
func (op *deconvDxOp) Do(vs ...G.Value) (G.Value, error) {
	dy, w, err := twoF32(vs)
	if err != nil {
		return nil, fmt.Errorf("convtranspose dx: %w", err)
	}
	n, cin, h, wd := op.xShape[0], op.xShape[1], op.xShape[2], op.xShape[3]
	ds := dy.Shape()
	cout, ho, wo := ds[1], ds[2], ds[3]
	rows := cout * op.geom.K * op.geom.K
	dx := tensor.New(tensor.WithShape(n, cin, h, wd), tensor.Of(tensor.Float32))
	dyd, wt, dxd := dy.Float32s(), w.Float32s(), dx.Float32s()
	if p := h * wd; p >= perImageMin {
		impl := G.WhichBLAS()
		eachImage(n, rows*p, func(b int, cols []float32) {
			im2colSerial(dyd[b*cout*ho*wo:][:cout*ho*wo], cols, 1, cout, h, wd, ho, wo, op.geom)
			impl.Sgemm(blas.NoTrans, blas.NoTrans, cin, p, rows, 1, wt, rows, cols, p, 0, dxd[b*cin*p:], p)
		})
		return dx, nil
	}
	cols := op.cols.im2col(0, dyd, n, cout, h, wd, ho, wo, op.geom)
	mulToNCHW(blas.NoTrans, cin, rows, wt, rows, cols, n, h*wd, dxd)
	return dx, nil
}
func (op *deconvDxOp) ReturnsPtr() bool      { return false }
func (op *deconvDxOp) CallsExtern() bool     { return false }
func (op *deconvDxOp) OverwritesInput() int  { return -1 }
func (op *deconvDxOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *deconvDxOp) Hashcode() uint32      { return hashOf(op) }
func (op *deconvDxOp) String() string {
	return fmt.Sprintf("ConvTranspose2dDx{%+v,%v}", op.geom, op.xShape)
}

// deconvDwOp: dw (Cin × Cout·K·K) = x · im2col(dy)ᵀ, summed over the batch.
type deconvDwOp struct {
	geom   Geom
	wShape tensor.Shape
	cols   *memo // shared with deconvDxOp
}

func (op *deconvDwOp) Arity() int { return 2 }
func (op *deconvDwOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *deconvDwOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.wShape.Clone(), nil }
func (op *deconvDwOp) Do(vs ...G.Value) (G.Value, error) {
	x, dy, err := twoF32(vs)
	if err != nil {
		return nil, fmt.Errorf("convtranspose dw: %w", err)
	}
	xs, ds := x.Shape(), dy.Shape()
	n, cin, h, wd := xs[0], xs[1], xs[2], xs[3]
	cout, ho, wo := ds[1], ds[2], ds[3]
	rows := cout * op.geom.K * op.geom.K
	dw := tensor.New(tensor.WithShape(op.wShape...), tensor.Of(tensor.Float32))
	xd, dyd, dwd := x.Float32s(), dy.Float32s(), dw.Float32s()
	if p := h * wd; p >= perImageMin {
		impl := G.WhichBLAS()
		eachImageSum(n, rows*p, dwd, func(b int, cols, acc []float32, beta float32) {
			im2colSerial(dyd[b*cout*ho*wo:][:cout*ho*wo], cols, 1, cout, h, wd, ho, wo, op.geom)
			impl.Sgemm(blas.NoTrans, blas.Trans, cin, rows, p, 1, xd[b*cin*p:], p, cols, p, beta, acc, rows)
		})
		return dw, nil
	}
	cols := op.cols.im2col(1, dyd, n, cout, h, wd, ho, wo, op.geom)
	mulNCHWColsT(cin, rows, xd, n, h*wd, cols, dwd)
	return dw, nil
}
func (op *deconvDwOp) ReturnsPtr() bool      { return false }
func (op *deconvDwOp) CallsExtern() bool     { return false }
func (op *deconvDwOp) OverwritesInput() int  { return -1 }
func (op *deconvDwOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *deconvDwOp) Hashcode() uint32      { return hashOf(op) }
func (op *deconvDwOp) String() string {
	return fmt.Sprintf("ConvTranspose2dDw{%+v,%v}", op.geom, op.wShape)
}

// col2im adds cols[(co,ky,kx), (n,iy,ix)] into y[n,co,iy·s−p+ky, ix·s−p+kx].
// Output channels are independent, so they are split across goroutines.
func col2im(cols, y []float32, n, cout, h, w, ho, wo int, g Geom) {
	parallel(cout, func(co int) { col2imChannel(cols, y, n, cout, h, w, ho, wo, g, co) })
}

// col2imSerial is col2im on the calling goroutine, for callers that already
// run one image per core.
func col2imSerial(cols, y []float32, n, cout, h, w, ho, wo int, g Geom) {
	for co := range cout {
		col2imChannel(cols, y, n, cout, h, w, ho, wo, g, co)
	}
}

func col2imChannel(cols, y []float32, n, cout, h, w, ho, wo int, g Geom, co int) {
	if g.K == 3 && g.Stride == 2 && g.Pad == 1 && ho == 2*h && wo == 2*w {
		col2imS2K3(cols, y, n, cout, h, w, co)
		return
	}
	col2imScatter(cols, y, n, cout, h, w, ho, wo, g, co)
}

// col2imScatter is col2imChannel for any geometry.
func col2imScatter(cols, y []float32, n, cout, h, w, ho, wo int, g Geom, co int) {
	nhw := n * h * w
	for ky := 0; ky < g.K; ky++ {
		ylo, yhi := validRange(h, ho, ky, g)
		for kx := 0; kx < g.K; kx++ {
			xlo, xhi := validRange(w, wo, kx, g)
			row := cols[((co*g.K+ky)*g.K+kx)*nhw:][:nhw]
			for b := 0; b < n; b++ {
				yc := y[(b*cout+co)*ho*wo:][:ho*wo]
				for iy := ylo; iy < yhi; iy++ {
					src := row[(b*h+iy)*w:][xlo:xhi]
					dst := yc[(iy*g.Stride-g.Pad+ky)*wo:][:wo]
					scatterAddStrided(dst[xlo*g.Stride-g.Pad+kx:], src, g.Stride)
				}
			}
		}
	}
}

// col2imS2K3 is col2imChannel for the geometry of every strided layer of
// both presets: 3×3 kernel, stride 2, pad 1, the big grid twice the small
// one. The scatter makes nine strided read-modify-write passes over each
// output plane (2.25 updates per element); here each output row is built
// once from the kernel rows that reach it: an even row from ky = 1 (input
// row t), an odd row from ky = 0 (row t+1) and ky = 2 (row t), and within a
// row an even column from kx = 1, an odd one from kx = 0 and 2. It was 11 %
// of the paper preset's step.
func col2imS2K3(cols, y []float32, n, cout, h, w, co int) {
	nhw := n * h * w
	var k [3][3][]float32
	for ky := range 3 {
		for kx := range 3 {
			k[ky][kx] = cols[((co*3+ky)*3+kx)*nhw:][:nhw]
		}
	}
	wo := 2 * w
	for b := 0; b < n; b++ {
		yc := y[(b*cout+co)*4*h*w:][:4*h*w]
		for t := 0; t < h; t++ {
			at := (b*h + t) * w
			r := func(ky, kx, off int) []float32 { return k[ky][kx][off:][:w] }
			addS2Row(yc[2*t*wo:][:wo], r(1, 0, at), r(1, 1, at), r(1, 2, at))
			odd := yc[(2*t+1)*wo:][:wo]
			addS2Row(odd, r(2, 0, at), r(2, 1, at), r(2, 2, at))
			if t+1 < h {
				addS2Row(odd, r(0, 0, at+w), r(0, 1, at+w), r(0, 2, at+w))
			}
		}
	}
}

// addS2Row adds one kernel row's three column taps (kx = 0, 1, 2, each a row
// of w input positions) into an output row of 2w: dst[2j] += c1[j],
// dst[2j+1] += c0[j+1] + c2[j].
func addS2Row(dst, c0, c1, c2 []float32) {
	w := len(c1)
	dst, c0, c2 = dst[:2*w], c0[:w], c2[:w]
	for j := 0; j+1 < w; j++ {
		dst[2*j] += c1[j]
		dst[2*j+1] += c0[j+1] + c2[j]
	}
	dst[2*w-2] += c1[w-1]
	dst[2*w-1] += c2[w-1]
}

// im2col is col2im's adjoint: cols[(co,ky,kx),(n,iy,ix)] = y[n,co,iy·s−p+ky, ix·s−p+kx] (0 outside).
// cols must arrive zeroed (fresh from make, or last filled by a lowering of
// the same geometry): positions outside y are skipped, not written.
func im2col(y, cols []float32, n, cout, h, w, ho, wo int, g Geom) {
	parallel(cout, func(co int) { im2colChannel(y, cols, n, cout, h, w, ho, wo, g, co) })
}

// im2colSerial is im2col on the calling goroutine.
func im2colSerial(y, cols []float32, n, cout, h, w, ho, wo int, g Geom) {
	for co := range cout {
		im2colChannel(y, cols, n, cout, h, w, ho, wo, g, co)
	}
}

func im2colChannel(y, cols []float32, n, cout, h, w, ho, wo int, g Geom, co int) {
	nhw := n * h * w
	for ky := 0; ky < g.K; ky++ {
		ylo, yhi := validRange(h, ho, ky, g)
		for kx := 0; kx < g.K; kx++ {
			xlo, xhi := validRange(w, wo, kx, g)
			row := cols[((co*g.K+ky)*g.K+kx)*nhw:][:nhw]
			for b := 0; b < n; b++ {
				yc := y[(b*cout+co)*ho*wo:][:ho*wo]
				for iy := ylo; iy < yhi; iy++ {
					dst := row[(b*h+iy)*w:][xlo:xhi]
					src := yc[(iy*g.Stride-g.Pad+ky)*wo:][:wo]
					gatherStrided(dst, src[xlo*g.Stride-g.Pad+kx:], g.Stride)
				}
			}
		}
	}
}

// gatherStrided sets dst[i] = src[i·stride], the innermost loop of every
// convolution: cutting src to its exact extent lets the compiler drop the
// bounds checks of dst, and stride 1 is a copy (BenchmarkIm2col: 15.2–15.7
// → 12.0–12.3 ms for the default model's first layer).
func gatherStrided(dst, src []float32, stride int) {
	if len(dst) == 0 {
		return
	}
	switch stride {
	case 1:
		copy(dst, src[:len(dst)])
	case 2:
		src = src[:2*len(dst)-1]
		for i := range dst {
			dst[i] = src[2*i]
		}
	default:
		src = src[:(len(dst)-1)*stride+1]
		for i := range dst {
			dst[i] = src[i*stride]
		}
	}
}

// scatterAddStrided adds src[i] to dst[i·stride], gatherStrided's adjoint
// and the innermost loop of col2im; cut to its exact extent, dst needs no
// bounds check per element.
func scatterAddStrided(dst, src []float32, stride int) {
	if len(src) == 0 {
		return
	}
	switch stride {
	case 1:
		dst = dst[:len(src)]
		for i, v := range src {
			dst[i] += v
		}
	case 2:
		dst = dst[:2*len(src)-1]
		for i, v := range src {
			dst[2*i] += v
		}
	default:
		dst = dst[:(len(src)-1)*stride+1]
		for i, v := range src {
			dst[i*stride] += v
		}
	}
}

// validRange returns the indices i in [0, n) with 0 ≤ i·s − p + k < big.
func validRange(n, big, k int, g Geom) (lo, hi int) {
	lo = 0
	if d := g.Pad - k; d > 0 {
		lo = (d + g.Stride - 1) / g.Stride
	}
	hi = n
	if m := big - 1 + g.Pad - k; m < 0 {
		hi = 0
	} else if m/g.Stride+1 < hi {
		hi = m/g.Stride + 1
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// toCNHW turns NCHW (hw = H·W) into C×(N·HW), so that one GEMM covers a
// batch of small images (see batchgemm.go).
func toCNHW(x []float32, n, c, hw int) []float32 {
	out := make([]float32, len(x))
	parallel(c, func(ch int) {
		for b := 0; b < n; b++ {
			copy(out[(ch*n+b)*hw:][:hw], x[(b*c+ch)*hw:][:hw])
		}
	})
	return out
}

// fromCNHWInto writes toCNHW's inverse of x to out.
func fromCNHWInto(out, x []float32, n, c, hw int) {
	parallel(c, func(ch int) {
		for b := 0; b < n; b++ {
			copy(out[(b*c+ch)*hw:][:hw], x[(ch*n+b)*hw:][:hw])
		}
	})
}

// parallel runs f(0…n−1) on up to GOMAXPROCS goroutines, interleaved.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}(w)
	}
	wg.Wait()
}

func twoF32(vs []G.Value) (*tensor.Dense, *tensor.Dense, error) {
	if len(vs) != 2 {
		return nil, nil, fmt.Errorf("want 2 inputs, got %d", len(vs))
	}
	a, ok1 := vs[0].(*tensor.Dense)
	b, ok2 := vs[1].(*tensor.Dense)
	if !ok1 || !ok2 || a.Dtype() != tensor.Float32 || b.Dtype() != tensor.Float32 {
		return nil, nil, fmt.Errorf("want two float32 dense tensors, got %T and %T", vs[0], vs[1])
	}
	if !a.IsNativelyAccessible() || a.IsView() || b.IsView() {
		return nil, nil, fmt.Errorf("want contiguous tensors")
	}
	return a, b, nil
}

func hashOf(s fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, s.String())
	return h.Sum32()
}
