package nn

import (
	"math"

	"fmriface/infer/gemm"
)

// Conv2D is a 2-D convolution of a CHW map, computed as im2col then
// out = W·cols. W is (Cout, Cin, K, K) as in arch; B (Cout) may be nil.
type Conv2D struct {
	Cin, Cout, K, Stride, Pad int
	W, B                      []float32
}

// OutSize is the output side for an input side.
func (l *Conv2D) OutSize(in int) int { return (in+2*l.Pad-l.K)/l.Stride + 1 }

// ColsLen is the scratch length Forward needs for an h×w input.
func (l *Conv2D) ColsLen(h, w int) int {
	return l.Cin * l.K * l.K * l.OutSize(h) * l.OutSize(w)
}

// Forward writes the Cout×Ho×Wo output of the h×w input in into out, using
// cols (at least ColsLen) as scratch.
func (l *Conv2D) Forward(ws *gemm.Workspace, in []float32, h, w int, cols, out []float32) {
	ho, wo := l.OutSize(h), l.OutSize(w)
	n := ho * wo
	ckk := l.Cin * l.K * l.K
	l.im2col(in, h, w, ho, wo, cols[:ckk*n])
	ws.Mul(l.Cout, n, ckk, l.W, ckk, false, cols, n, false, out, n, false)
	if l.B != nil {
		for co, b := range l.B[:l.Cout] {
			row := out[co*n : co*n+n]
			for i := range row {
				row[i] += b
			}
		}
	}
}

// im2col lays out, for every (ci, ky, kx), the input pixels that tap meets at
// each output position (zero in the padding), one row per tap.
func (l *Conv2D) im2col(in []float32, h, w, ho, wo int, cols []float32) {
	n := ho * wo
	s, p := l.Stride, l.Pad
	for ci := 0; ci < l.Cin; ci++ {
		plane := in[ci*h*w : (ci+1)*h*w]
		for ky := 0; ky < l.K; ky++ {
			for kx := 0; kx < l.K; kx++ {
				row := cols[((ci*l.K+ky)*l.K+kx)*n:][:n]
				// Output columns ox whose input column ox·s−p+kx lies in [0,w).
				x0, x1 := validRange(wo, s, kx-p, w)
				for oy := 0; oy < ho; oy++ {
					dst := row[oy*wo : oy*wo+wo]
					iy := oy*s - p + ky
					if iy < 0 || iy >= h || x0 >= x1 {
						clear(dst)
						continue
					}
					clear(dst[:x0])
					clear(dst[x1:])
					src := plane[iy*w:][:w]
					ix := x0*s - p + kx
					for ox := x0; ox < x1; ox++ {
						dst[ox] = src[ix]
						ix += s
					}
				}
			}
		}
	}
}

// validRange returns the range [i0, i1) of i in [0, n) for which
// i·s + off lies in [0, size).
func validRange(n, s, off, size int) (i0, i1 int) {
	// i·s + off ≥ 0  ⇔  i ≥ ceil(−off/s).
	if off < 0 {
		i0 = (-off + s - 1) / s
	}
	// i·s + off < size  ⇔  i < ceil((size−off)/s).
	i1 = min(n, (size-off+s-1)/s)
	if i1 < i0 {
		i1 = i0
	}
	return i0, i1
}

// Deconv2D is a 2-D transposed convolution of a CHW map, computed as
// cols = Wᵀ·in then col2im: every input pixel scatters a K×K patch of every
// output channel. W is (Cin, Cout, K, K) as in arch; B (Cout) may be nil.
// The output side is (in−1)·Stride − 2·Pad + K + OutPad.
type Deconv2D struct {
	Cin, Cout, K, Stride, Pad, OutPad int
	W, B                              []float32
}

// OutSize is the output side for an input side.
func (l *Deconv2D) OutSize(in int) int { return (in-1)*l.Stride - 2*l.Pad + l.K + l.OutPad }

// ColsLen is the scratch length Forward needs for an h×w input.
func (l *Deconv2D) ColsLen(h, w int) int { return l.Cout * l.K * l.K * h * w }

// Rows is the number of rows of the cols matrix (Cout·K·K); MulRows computes
// a range of them, so the product can be split into slices of work.
func (l *Deconv2D) Rows() int { return l.Cout * l.K * l.K }

// MulRows computes rows [r0, r1) of cols = Wᵀ·in for an input of n = h·w pixels.
func (l *Deconv2D) MulRows(ws *gemm.Workspace, in []float32, n int, cols []float32, r0, r1 int) {
	m := l.Rows()
	ws.Mul(r1-r0, n, l.Cin, l.W[r0:], m, true, in, n, false, cols[r0*n:], n, false)
}

// Col2Im scatter-adds cols into the Cout×Ho×Wo out, which it first fills with
// the bias (or zero).
func (l *Deconv2D) Col2Im(cols []float32, h, w int, out []float32) {
	l.Col2ImChannels(cols, h, w, out, 0, l.Cout)
}

// Col2ImChannels is Col2Im for output channels [c0, c1) only, so the scatter
// can be split into slices of work.
func (l *Deconv2D) Col2ImChannels(cols []float32, h, w int, out []float32, c0, c1 int) {
	ho, wo := l.OutSize(h), l.OutSize(w)
	n := h * w
	s, p := l.Stride, l.Pad
	for co := c0; co < c1; co++ {
		plane := out[co*ho*wo : (co+1)*ho*wo]
		var b float32
		if l.B != nil {
			b = l.B[co]
		}
		for i := range plane {
			plane[i] = b
		}
		for ky := 0; ky < l.K; ky++ {
			// Input rows iy whose output row iy·s−p+ky lies in [0,ho).
			y0, y1 := validRange(h, s, ky-p, ho)
			for kx := 0; kx < l.K; kx++ {
				row := cols[((co*l.K+ky)*l.K+kx)*n:][:n]
				x0, x1 := validRange(w, s, kx-p, wo)
				if x0 >= x1 {
					continue
				}
				for iy := y0; iy < y1; iy++ {
					dst := plane[(iy*s-p+ky)*wo:][:wo]
					src := row[iy*w+x0 : iy*w+x1]
					ox := x0*s - p + kx
					for _, v := range src {
						dst[ox] += v
						ox += s
					}
				}
			}
		}
	}
}

// Forward writes the output of the h×w input in into out, using cols (at
// least ColsLen) as scratch.
func (l *Deconv2D) Forward(ws *gemm.Workspace, in []float32, h, w int, cols, out []float32) {
	l.MulRows(ws, in, h*w, cols, 0, l.Rows())
	l.Col2Im(cols, h, w, out)
}

// Linear is y = x·W + b for a row vector x; W is (In, Out), B (Out) may be nil.
type Linear struct {
	In, Out int
	W, B    []float32
}

// Forward writes x·W + b into y.
func (l *Linear) Forward(ws *gemm.Workspace, x, y []float32) {
	l.ForwardCols(ws, x, y, 0, l.Out)
}

// ForwardCols computes outputs [j0, j1) only, so the product can be split
// into slices of work.
func (l *Linear) ForwardCols(ws *gemm.Workspace, x, y []float32, j0, j1 int) {
	if l.B != nil {
		copy(y[j0:j1], l.B[j0:j1])
	}
	ws.Mul(1, j1-j0, l.In, x, l.In, false, l.W[j0:], l.Out, false, y[j0:j1], j1-j0, l.B != nil)
}

// BNScaleShift turns inference-mode batch-norm statistics into a per-channel
// affine map y = scale·x + shift equal to gamma·(x−mean)/sqrt(var+eps) + beta.
func BNScaleShift(gamma, beta, mean, variance []float32, eps float64) (scale, shift []float32) {
	scale = make([]float32, len(gamma))
	shift = make([]float32, len(gamma))
	for c := range gamma {
		s := float64(gamma[c]) / math.Sqrt(float64(variance[c])+eps)
		scale[c] = float32(s)
		shift[c] = float32(float64(beta[c]) - s*float64(mean[c]))
	}
	return scale, shift
}

// FoldScaleShift makes the layer compute scale·conv(x) + shift per output
// channel, the batch norm that follows it, by scaling W and setting B.
func (l *Conv2D) FoldScaleShift(scale, shift []float32) {
	per := l.Cin * l.K * l.K
	b := make([]float32, l.Cout)
	for co := 0; co < l.Cout; co++ {
		row := l.W[co*per : (co+1)*per]
		for i := range row {
			row[i] *= scale[co]
		}
		if l.B != nil {
			b[co] = scale[co] * l.B[co]
		}
		b[co] += shift[co]
	}
	l.B = b
}

// FoldScaleShift is Conv2D.FoldScaleShift for the transposed layout.
func (l *Deconv2D) FoldScaleShift(scale, shift []float32) {
	kk := l.K * l.K
	b := make([]float32, l.Cout)
	for ci := 0; ci < l.Cin; ci++ {
		for co := 0; co < l.Cout; co++ {
			blk := l.W[(ci*l.Cout+co)*kk : (ci*l.Cout+co+1)*kk]
			for i := range blk {
				blk[i] *= scale[co]
			}
		}
	}
	for co := range b {
		if l.B != nil {
			b[co] = scale[co] * l.B[co]
		}
		b[co] += shift[co]
	}
	l.B = b
}

// ELU applies x ↦ x for x > 0, eˣ − 1 otherwise (alpha 1) in place.
func ELU(x []float32) { ELUInto(x, x) }

// ELUInto writes ELU(src) to dst (len(dst) ≥ len(src); they may be the same
// slice): one pass instead of a copy and then an in-place ELU, for callers
// that keep their input.
func ELUInto(dst, src []float32) {
	dst = dst[:len(src)]
	// expm1Neg written out: a call per element costs more than the
	// arithmetic under WebAssembly. The branches stay: feature maps are
	// smooth, so the sign comes in runs that the branch predictor follows,
	// and a branch-free version (eˣ − 1 for every element) was 1.6× slower
	// in training although 1.2× faster on random signs.
	for i, v := range src {
		switch {
		case v > 0:
			dst[i] = v
		case v > -0.25:
			dst[i] = v * (1 + v*(1.0/2+v*(1.0/6+v*(1.0/24+v*(1.0/120+v*(1.0/720+v*(1.0/5040)))))))
		case v < -87:
			dst[i] = -1
		default:
			k := int32(v*log2e - 0.5)
			kf := float32(k)
			r := (v - kf*ln2hi) - kf*ln2lo
			p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
			dst[i] = p*math.Float32frombits(uint32(k+127)<<23) - 1
		}
	}
}

// negPart returns min(v, 0) without a branch: the sign bit, spread over the
// word by an arithmetic shift, masks v.
func negPart(v float32) float32 {
	b := math.Float32bits(v)
	return math.Float32frombits(b & uint32(int32(b)>>31))
}

// ELUGradInto writes dy·ELU′ to dx, from ELU's output y: 1 where y > 0,
// y + 1 elsewhere, as dy·(min(y, 0) + 1) without a branch: 5× faster than
// the branch on random signs, and no slower on smooth feature maps.
func ELUGradInto(dx, dy, y []float32) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	for i, v := range y {
		dx[i] = dy[i] * (negPart(v) + 1)
	}
}

// Tanh applies tanh in place, scaled by k (k·tanh(x)).
func Tanh(x []float32, k float32) {
	for i, v := range x {
		// tanh|v| = −m/(2+m) with m = e^(−2|v|) − 1, exact near 0.
		m := expm1Neg(-2 * abs32(v))
		t := -m / (2 + m)
		if v < 0 {
			t = -t
		}
		x[i] = k * t
	}
}

// Sigmoid applies 1/(1+e⁻ˣ) in place.
func Sigmoid(x []float32) {
	for i, v := range x {
		// e = e^(−|v|), expNeg written out.
		a := v
		if a > 0 {
			a = -a
		}
		var e float32
		if a >= -87 {
			k := int32(a*log2e - 0.5)
			kf := float32(k)
			r := (a - kf*ln2hi) - kf*ln2lo
			p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
			e = p * math.Float32frombits(uint32(k+127)<<23)
		}
		if v >= 0 {
			x[i] = 1 / (1 + e)
		} else {
			x[i] = e / (1 + e)
		}
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
