package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"fmriface/infer/gemm"
)

func randVec(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		d := math.Abs(float64(got[i] - want[i]))
		if !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// naiveConv is a direct convolution: 7 nested loops over output channel,
// output row and column, input channel and kernel row and column.
func naiveConv(l *Conv2D, in []float32, h, w int) []float32 {
	ho, wo := l.OutSize(h), l.OutSize(w)
	out := make([]float32, l.Cout*ho*wo)
	for co := 0; co < l.Cout; co++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				var s float64
				if l.B != nil {
					s = float64(l.B[co])
				}
				for ci := 0; ci < l.Cin; ci++ {
					for ky := 0; ky < l.K; ky++ {
						for kx := 0; kx < l.K; kx++ {
							iy, ix := oy*l.Stride-l.Pad+ky, ox*l.Stride-l.Pad+kx
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							s += float64(in[(ci*h+iy)*w+ix]) * float64(l.W[((co*l.Cin+ci)*l.K+ky)*l.K+kx])
						}
					}
				}
				out[(co*ho+oy)*wo+ox] = float32(s)
			}
		}
	}
	return out
}

// naiveDeconv is a transposed convolution as a scatter: every input pixel
// adds in·w[ci][co] into a K×K patch of the output at stride Stride.
func naiveDeconv(l *Deconv2D, in []float32, h, w int) []float32 {
	ho, wo := l.OutSize(h), l.OutSize(w)
	acc := make([]float64, l.Cout*ho*wo)
	for ci := 0; ci < l.Cin; ci++ {
		for iy := 0; iy < h; iy++ {
			for ix := 0; ix < w; ix++ {
				v := float64(in[(ci*h+iy)*w+ix])
				for co := 0; co < l.Cout; co++ {
					for ky := 0; ky < l.K; ky++ {
						for kx := 0; kx < l.K; kx++ {
							oy, ox := iy*l.Stride-l.Pad+ky, ix*l.Stride-l.Pad+kx
							if oy < 0 || oy >= ho || ox < 0 || ox >= wo {
								continue
							}
							acc[(co*ho+oy)*wo+ox] += v * float64(l.W[((ci*l.Cout+co)*l.K+ky)*l.K+kx])
						}
					}
				}
			}
		}
	}
	out := make([]float32, len(acc))
	for co := 0; co < l.Cout; co++ {
		for i := 0; i < ho*wo; i++ {
			s := acc[co*ho*wo+i]
			if l.B != nil {
				s += float64(l.B[co])
			}
			out[co*ho*wo+i] = float32(s)
		}
	}
	return out
}

func TestConv2DMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	cases := []struct{ cin, cout, k, stride, pad, h, w int }{
		{3, 4, 4, 2, 1, 16, 16},
		{3, 5, 3, 2, 1, 8, 8},
		{2, 7, 3, 2, 1, 9, 6},
		{5, 3, 5, 2, 2, 10, 11},
		{4, 6, 2, 2, 0, 8, 8},
		{3, 2, 3, 1, 1, 5, 7},
		{1, 1, 1, 1, 0, 3, 3},
		{6, 9, 4, 2, 1, 4, 4},
	}
	var ws gemm.Workspace
	for _, c := range cases {
		for _, bias := range []bool{false, true} {
			name := fmt.Sprintf("%+v/bias=%v", c, bias)
			l := Conv2D{Cin: c.cin, Cout: c.cout, K: c.k, Stride: c.stride, Pad: c.pad,
				W: randVec(r, c.cout*c.cin*c.k*c.k, 1)}
			if bias {
				l.B = randVec(r, c.cout, 1)
			}
			in := randVec(r, c.cin*c.h*c.w, 1)
			out := make([]float32, c.cout*l.OutSize(c.h)*l.OutSize(c.w))
			for i := range out {
				out[i] = float32(math.NaN()) // must be overwritten
			}
			l.Forward(&ws, in, c.h, c.w, make([]float32, l.ColsLen(c.h, c.w)), out)
			assertClose(t, name, out, naiveConv(&l, in, c.h, c.w), 1e-4)
		}
	}
}

func TestDeconv2DMatchesScatter(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	cases := []struct{ cin, cout, k, stride, pad, outPad, h, w int }{
		{8, 4, 3, 2, 1, 1, 4, 4}, // the generator's layer
		{4, 3, 3, 2, 1, 1, 8, 8},
		{3, 5, 4, 2, 1, 0, 5, 3},
		{2, 2, 5, 2, 2, 1, 3, 4},
		{5, 2, 2, 2, 0, 0, 4, 4},
		{3, 4, 3, 1, 1, 0, 6, 5},
		{1, 1, 1, 2, 0, 1, 2, 2},
		{7, 6, 3, 2, 1, 1, 1, 1},
	}
	var ws gemm.Workspace
	for _, c := range cases {
		for _, bias := range []bool{false, true} {
			name := fmt.Sprintf("%+v/bias=%v", c, bias)
			l := Deconv2D{Cin: c.cin, Cout: c.cout, K: c.k, Stride: c.stride, Pad: c.pad, OutPad: c.outPad,
				W: randVec(r, c.cin*c.cout*c.k*c.k, 1)}
			if bias {
				l.B = randVec(r, c.cout, 1)
			}
			in := randVec(r, c.cin*c.h*c.w, 1)
			out := make([]float32, c.cout*l.OutSize(c.h)*l.OutSize(c.w))
			for i := range out {
				out[i] = float32(math.NaN())
			}
			cols := make([]float32, l.ColsLen(c.h, c.w))
			l.Forward(&ws, in, c.h, c.w, cols, out)
			want := naiveDeconv(&l, in, c.h, c.w)
			assertClose(t, name, out, want, 1e-4)

			// The same product computed in row slices, as Generator.Step does.
			clear(cols)
			for r0 := 0; r0 < l.Rows(); r0 += 5 {
				l.MulRows(&ws, in, c.h*c.w, cols, r0, min(l.Rows(), r0+5))
			}
			l.Col2Im(cols, c.h, c.w, out)
			assertClose(t, name+"/sliced", out, want, 1e-4)
		}
	}
}

func TestLinearMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var ws gemm.Workspace
	for _, c := range []struct{ in, out int }{{1, 1}, {7, 3}, {16, 33}, {300, 17}} {
		for _, bias := range []bool{false, true} {
			l := Linear{In: c.in, Out: c.out, W: randVec(r, c.in*c.out, 1)}
			if bias {
				l.B = randVec(r, c.out, 1)
			}
			x := randVec(r, c.in, 1)
			want := make([]float32, c.out)
			for j := range want {
				var s float64
				if bias {
					s = float64(l.B[j])
				}
				for i := range x {
					s += float64(x[i]) * float64(l.W[i*c.out+j])
				}
				want[j] = float32(s)
			}
			got := randVec(r, c.out, 1) // must be overwritten
			l.Forward(&ws, x, got)
			name := fmt.Sprintf("%dx%d/bias=%v", c.in, c.out, bias)
			assertClose(t, name, got, want, 1e-4)
			got2 := make([]float32, c.out)
			for j0 := 0; j0 < c.out; j0 += 4 {
				l.ForwardCols(&ws, x, got2, j0, min(c.out, j0+4))
			}
			assertClose(t, name+"/sliced", got2, want, 1e-4)
		}
	}
}

// batchNorm applies gamma·(x−mean)/sqrt(var+eps)+beta per channel of a CHW map.
func batchNorm(x []float32, gamma, beta, mean, variance []float32, eps float64) {
	n := len(x) / len(gamma)
	for c := range gamma {
		for i := c * n; i < (c+1)*n; i++ {
			x[i] = float32(float64(gamma[c])*(float64(x[i])-float64(mean[c]))/math.Sqrt(float64(variance[c])+eps) + float64(beta[c]))
		}
	}
}

func randBN(r *rand.Rand, ch int) (gamma, beta, mean, variance []float32) {
	gamma, beta, mean = randVec(r, ch, 1), randVec(r, ch, 1), randVec(r, ch, 1)
	variance = make([]float32, ch)
	for i := range variance {
		variance[i] = float32(0.1 + 2*r.Float64())
	}
	return
}

func TestBNFoldingEqualsBN(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	var ws gemm.Workspace
	const eps = 1e-5
	for _, bias := range []bool{false, true} {
		conv := Conv2D{Cin: 3, Cout: 5, K: 4, Stride: 2, Pad: 1, W: randVec(r, 5*3*16, 1)}
		deconv := Deconv2D{Cin: 5, Cout: 4, K: 3, Stride: 2, Pad: 1, OutPad: 1, W: randVec(r, 5*4*9, 1)}
		if bias {
			conv.B, deconv.B = randVec(r, 5, 1), randVec(r, 4, 1)
		}
		in := randVec(r, 3*8*8, 1)

		want := naiveConv(&conv, in, 8, 8)
		g, b, m, v := randBN(r, 5)
		batchNorm(want, g, b, m, v, eps)
		conv.FoldScaleShift(BNScaleShift(g, b, m, v, eps))
		got := make([]float32, len(want))
		conv.Forward(&ws, in, 8, 8, make([]float32, conv.ColsLen(8, 8)), got)
		assertClose(t, fmt.Sprintf("conv/bias=%v", bias), got, want, 1e-4)

		in2 := got
		want = naiveDeconv(&deconv, in2, 4, 4)
		g, b, m, v = randBN(r, 4)
		batchNorm(want, g, b, m, v, eps)
		deconv.FoldScaleShift(BNScaleShift(g, b, m, v, eps))
		got = make([]float32, len(want))
		deconv.Forward(&ws, in2, 4, 4, make([]float32, deconv.ColsLen(4, 4)), got)
		assertClose(t, fmt.Sprintf("deconv/bias=%v", bias), got, want, 1e-4)
	}
}

func TestActivations(t *testing.T) {
	xs := []float32{-30, -2, -0.5, -1e-7, 0, 1e-7, 0.5, 2, 30}
	cases := []struct {
		name string
		f    func([]float32)
		want func(float64) float64
	}{
		{"elu", ELU, func(x float64) float64 {
			if x > 0 {
				return x
			}
			return math.Exp(x) - 1
		}},
		{"tanh", func(x []float32) { Tanh(x, 1) }, math.Tanh},
		{"halftanh", func(x []float32) { Tanh(x, 0.5) }, func(x float64) float64 { return 0.5 * math.Tanh(x) }},
		{"sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
	}
	for _, c := range cases {
		got := append([]float32(nil), xs...)
		c.f(got)
		want := make([]float32, len(xs))
		for i, x := range xs {
			want[i] = float32(c.want(float64(x)))
		}
		assertClose(t, c.name, got, want, 1e-6)
	}
}

// TestActivationsDense sweeps the activations over a fine grid against the
// float64 math package.
func TestActivationsDense(t *testing.T) {
	var xs []float32
	for x := -100.0; x <= 100; x += 0.0137 {
		xs = append(xs, float32(x))
	}
	for x := -1.0; x <= 1; x += 1e-4 {
		xs = append(xs, float32(x))
	}
	xs = append(xs, -87, -87.5, -88, -1000, 1000, float32(math.SmallestNonzeroFloat32), -float32(math.SmallestNonzeroFloat32))
	check := func(name string, f func([]float32), want func(float64) float64) {
		got := append([]float32(nil), xs...)
		f(got)
		for i, x := range xs {
			w := want(float64(x))
			// 4 float32 ulps of the result, or 1e-7 absolute.
			if d := math.Abs(float64(got[i]) - w); d > max(4*math.Abs(w)*(1.0/(1<<24)), 1e-7) || math.IsNaN(float64(got[i])) {
				t.Fatalf("%s(%g) = %g, want %g (error %g)", name, x, got[i], w, d)
			}
		}
	}
	check("elu", ELU, func(x float64) float64 {
		if x > 0 {
			return x
		}
		return math.Expm1(x)
	})
	check("elu into another slice", func(x []float32) {
		src := append([]float32(nil), x...)
		for i := range x {
			x[i] = float32(math.NaN()) // every element must be written
		}
		ELUInto(x, src)
	}, func(x float64) float64 {
		if x > 0 {
			return x
		}
		return math.Expm1(x)
	})
	check("tanh", func(x []float32) { Tanh(x, 1) }, math.Tanh)
	check("sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
}

// TestELUGradInto checks the gradient from ELU's output, including the
// boundary y = 0 (where both sides give dy) and the saturated y = −1.
func TestELUGradInto(t *testing.T) {
	ys := []float32{2, 0.5, 1e-30, 0, float32(math.Copysign(0, -1)), -1e-30, -0.25, -0.5, -0.999, -1}
	dys := []float32{1, -2, 3, 0.5, -1.5, 4, -1, 2, 10, 7}
	got := make([]float32, len(ys))
	ELUGradInto(got, dys, ys)
	for i, y := range ys {
		want := dys[i]
		if y <= 0 {
			want = dys[i] * (y + 1)
		}
		if math.Abs(float64(got[i]-want)) > 1e-7 {
			t.Errorf("ELUGradInto(dy=%g, y=%g) = %g, want %g", dys[i], y, got[i], want)
		}
	}
}
