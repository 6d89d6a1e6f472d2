package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// naiveDeconv is the definition: every input pixel scatters a K×K patch.
func naiveDeconv(x, w []float32, n, cin, h, wd, cout int, g Geom) []float32 {
	ho, wo := g.out(h), g.out(wd)
	y := make([]float64, n*cout*ho*wo)
	for b := 0; b < n; b++ {
		for ci := 0; ci < cin; ci++ {
			for iy := 0; iy < h; iy++ {
				for ix := 0; ix < wd; ix++ {
					v := float64(x[((b*cin+ci)*h+iy)*wd+ix])
					for co := 0; co < cout; co++ {
						for ky := 0; ky < g.K; ky++ {
							for kx := 0; kx < g.K; kx++ {
								oy, ox := iy*g.Stride-g.Pad+ky, ix*g.Stride-g.Pad+kx
								if oy >= 0 && oy < ho && ox >= 0 && ox < wo {
									y[((b*cout+co)*ho+oy)*wo+ox] += v * float64(w[((ci*cout+co)*g.K+ky)*g.K+kx])
								}
							}
						}
					}
				}
			}
		}
	}
	out := make([]float32, len(y))
	for i, v := range y {
		out[i] = float32(v)
	}
	return out
}

var geoms = []struct {
	name string
	g    Geom
}{
	{"k3s2p1op1", Geom{K: 3, Stride: 2, Pad: 1, OutPad: 1}},
	{"k4s2p1", Geom{K: 4, Stride: 2, Pad: 1}},
	{"k5s2p2op1", Geom{K: 5, Stride: 2, Pad: 2, OutPad: 1}},
	{"k3s1p1", Geom{K: 3, Stride: 1, Pad: 1}},
}

func TestDeconvForward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range geoms {
		t.Run(tc.name, func(t *testing.T) {
			n, cin, h, wd, cout := 2, 3, 4, 5, 2
			x := randSlice(r, n*cin*h*wd)
			w := randSlice(r, cin*cout*tc.g.K*tc.g.K)
			op := &deconvOp{geom: tc.g}
			y, err := op.Do(tensor.New(tensor.WithShape(n, cin, h, wd), tensor.WithBacking(x)),
				tensor.New(tensor.WithShape(cin, cout, tc.g.K, tc.g.K), tensor.WithBacking(w)))
			if err != nil {
				t.Fatal(err)
			}
			want := naiveDeconv(x, w, n, cin, h, wd, cout, tc.g)
			got := y.(*tensor.Dense).Float32s()
			if len(got) != len(want) {
				t.Fatalf("len %d want %d", len(got), len(want))
			}
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-4 {
					t.Fatalf("y[%d] = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// gradCheck compares gorgonia's symbolic gradients of f = Σ R⊙out with central
// finite differences for every element of every input.
func gradCheck(t *testing.T, build func(g *G.ExprGraph, in []*G.Node) (*G.Node, error), shapes [][]int, eps, tol float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	vals := make([][]float32, len(shapes))
	for i, s := range shapes {
		vals[i] = randSlice(r, tensor.Shape(s).TotalSize())
	}
	var rvals []float32
	eval := func(withGrad bool) (float64, [][]float32) {
		g := G.NewGraph()
		in := make([]*G.Node, len(shapes))
		for i, s := range shapes {
			in[i] = G.NewTensor(g, tensor.Float32, len(s), G.WithShape(s...), G.WithName(string(rune('a'+i))),
				G.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(append([]float32(nil), vals[i]...)))))
		}
		out, err := build(g, in)
		if err != nil {
			t.Fatal(err)
		}
		if rvals == nil {
			rvals = randSlice(r, out.Shape().TotalSize())
		}
		rn := G.NewTensor(g, tensor.Float32, out.Dims(), G.WithShape(out.Shape()...), G.WithName("r"),
			G.WithValue(tensor.New(tensor.WithShape(out.Shape()...), tensor.WithBacking(append([]float32(nil), rvals...)))))
		prod, err := G.HadamardProd(out, rn)
		if err != nil {
			t.Fatal(err)
		}
		cost, err := G.Sum(prod)
		if err != nil {
			t.Fatal(err)
		}
		var grads G.Nodes
		if withGrad {
			if grads, err = G.Grad(cost, in...); err != nil {
				t.Fatal(err)
			}
		}
		m := G.NewTapeMachine(g)
		defer m.Close()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		var gs [][]float32
		for _, gn := range grads {
			gs = append(gs, append([]float32(nil), gn.Value().(*tensor.Dense).Float32s()...))
		}
		return float64(cost.Value().Data().(float32)), gs
	}
	_, grads := eval(true)
	for i := range shapes {
		for j := range vals[i] {
			old := vals[i][j]
			vals[i][j] = old + float32(eps)
			fp, _ := eval(false)
			vals[i][j] = old - float32(eps)
			fm, _ := eval(false)
			vals[i][j] = old
			num := (fp - fm) / (2 * eps)
			an := float64(grads[i][j])
			if math.Abs(num-an) > tol*math.Max(1, math.Abs(num)) {
				t.Fatalf("input %d elem %d: analytic %.6f, numeric %.6f", i, j, an, num)
			}
		}
	}
}

func TestDeconvGradients(t *testing.T) {
	for _, tc := range geoms[:3] {
		t.Run(tc.name, func(t *testing.T) {
			gradCheck(t, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				return ConvTranspose2d(in[0], in[1], tc.g)
			}, [][]int{{2, 3, 3, 3}, {3, 2, tc.g.K, tc.g.K}}, 1e-2, 2e-3)
		})
	}
}

func TestEluGradient(t *testing.T) {
	gradCheck(t, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		return Elu(in[0])
	}, [][]int{{3, 7}}, 1e-3, 1e-2)
}

func TestDeconvThenEluChain(t *testing.T) {
	gradCheck(t, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		y, err := ConvTranspose2d(in[0], in[1], Geom{K: 3, Stride: 2, Pad: 1, OutPad: 1})
		if err != nil {
			return nil, err
		}
		return Elu(y)
	}, [][]int{{1, 2, 2, 2}, {2, 2, 3, 3}}, 1e-3, 2e-2)
}

func TestDeconvRejectsBadShapes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 3, 4, 4), G.WithName("x"))
	w := G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 3, 3, 3), G.WithName("w"))
	if _, err := ConvTranspose2d(x, w, Geom{K: 3, Stride: 2, Pad: 1, OutPad: 1}); err == nil {
		t.Fatal("channel mismatch accepted")
	}
	w2 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(3, 2, 3, 3), G.WithName("w2"))
	if _, err := ConvTranspose2d(x, w2, Geom{K: 3, Stride: 2, Pad: 1, OutPad: 2}); err == nil {
		t.Fatal("output padding ≥ stride accepted")
	}
}

// naiveConv is the definition of a strided, zero-padded convolution.
func naiveConv(x, w []float32, n, cin, h, wd, cout int, g Geom) []float32 {
	ho, wo := g.convOut(h), g.convOut(wd)
	y := make([]float32, n*cout*ho*wo)
	for b := 0; b < n; b++ {
		for co := 0; co < cout; co++ {
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					var s float64
					for ci := 0; ci < cin; ci++ {
						for ky := 0; ky < g.K; ky++ {
							for kx := 0; kx < g.K; kx++ {
								iy, ix := oy*g.Stride-g.Pad+ky, ox*g.Stride-g.Pad+kx
								if iy >= 0 && iy < h && ix >= 0 && ix < wd {
									s += float64(x[((b*cin+ci)*h+iy)*wd+ix]) * float64(w[((co*cin+ci)*g.K+ky)*g.K+kx])
								}
							}
						}
					}
					y[((b*cout+co)*ho+oy)*wo+ox] = float32(s)
				}
			}
		}
	}
	return y
}

var convGeoms = []struct {
	name string
	g    Geom
}{
	{"k4s2p1", Geom{K: 4, Stride: 2, Pad: 1}},
	{"k3s2p1", Geom{K: 3, Stride: 2, Pad: 1}},
	{"k3s1p1", Geom{K: 3, Stride: 1, Pad: 1}},
}

func TestConvForward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range convGeoms {
		t.Run(tc.name, func(t *testing.T) {
			n, cin, h, wd, cout := 2, 3, 6, 8, 4
			x := randSlice(r, n*cin*h*wd)
			w := randSlice(r, cout*cin*tc.g.K*tc.g.K)
			y, err := (&convOp{geom: tc.g}).Do(tensor.New(tensor.WithShape(n, cin, h, wd), tensor.WithBacking(x)),
				tensor.New(tensor.WithShape(cout, cin, tc.g.K, tc.g.K), tensor.WithBacking(w)))
			if err != nil {
				t.Fatal(err)
			}
			want := naiveConv(x, w, n, cin, h, wd, cout, tc.g)
			got := y.(*tensor.Dense).Float32s()
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-4 {
					t.Fatalf("y[%d] = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestConvGradients(t *testing.T) {
	for _, tc := range convGeoms {
		t.Run(tc.name, func(t *testing.T) {
			gradCheck(t, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				return Conv2d(in[0], in[1], tc.g)
			}, [][]int{{2, 2, 4, 4}, {3, 2, tc.g.K, tc.g.K}}, 1e-2, 2e-3)
		})
	}
}

// TestSecondRun: a second run of a graph on other inputs gives what a
// fresh graph gives, for outputs and gradients: what ops pass between
// forward and backward (memo) never leaks into the next run, even when the
// next input reuses the previous one's memory.
func TestSecondRun(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		name   string
		xs, ws []int
		build  func(x, w *G.Node) (*G.Node, error)
	}{
		{"conv", []int{2, 3, 7, 6}, []int{4, 3, 3, 3}, func(x, w *G.Node) (*G.Node, error) {
			return Conv2d(x, w, Geom{K: 3, Stride: 2, Pad: 1})
		}},
		{"deconv", []int{2, 3, 4, 5}, []int{3, 4, 3, 3}, func(x, w *G.Node) (*G.Node, error) {
			return ConvTranspose2d(x, w, Geom{K: 3, Stride: 2, Pad: 1, OutPad: 1})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xa, xb := randSlice(r, tensor.Shape(tc.xs).TotalSize()), randSlice(r, tensor.Shape(tc.xs).TotalSize())
			wv := randSlice(r, tensor.Shape(tc.ws).TotalSize())
			for i := range xa {
				xa[i] *= 100 // leave large values behind in the buffers
			}
			run := func(inPlace bool, inputs ...[]float32) [][]float32 {
				g := G.NewGraph()
				x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(tc.xs...), G.WithName("x"))
				w := G.NewTensor(g, tensor.Float32, 4, G.WithShape(tc.ws...), G.WithName("w"),
					G.WithValue(tensor.New(tensor.WithShape(tc.ws...), tensor.WithBacking(wv))))
				y, err := tc.build(x, w)
				if err != nil {
					t.Fatal(err)
				}
				sq, err := G.Square(y)
				if err != nil {
					t.Fatal(err)
				}
				cost, err := G.Sum(sq)
				if err != nil {
					t.Fatal(err)
				}
				grads, err := G.Grad(cost, x, w)
				if err != nil {
					t.Fatal(err)
				}
				var yv G.Value
				G.Read(y, &yv)
				m := G.NewTapeMachine(g)
				defer m.Close()
				buf := make([]float32, len(xa))
				for _, in := range inputs {
					if !inPlace {
						buf = make([]float32, len(xa))
					}
					copy(buf, in)
					if err := G.Let(x, tensor.New(tensor.WithShape(tc.xs...), tensor.WithBacking(buf))); err != nil {
						t.Fatal(err)
					}
					m.Reset()
					if err := m.RunAll(); err != nil {
						t.Fatal(err)
					}
				}
				f := func(v G.Value) []float32 { return append([]float32(nil), v.(*tensor.Dense).Float32s()...) }
				return [][]float32{f(yv), f(grads[0].Value()), f(grads[1].Value())}
			}
			fresh := run(false, xb)
			for _, inPlace := range []bool{false, true} {
				reused := run(inPlace, xa, xb)
				for k, name := range []string{"y", "dx", "dw"} {
					for i := range fresh[k] {
						if math.Abs(float64(reused[k][i]-fresh[k][i])) > 1e-4*(1+math.Abs(float64(fresh[k][i]))) {
							t.Fatalf("%s[%d] = %v after a first run (same memory: %v), %v fresh", name, i, reused[k][i], inPlace, fresh[k][i])
						}
					}
				}
			}
		})
	}
}

func TestBiasAddGradients(t *testing.T) {
	gradCheck(t, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
		return BiasAdd(in[0], in[1], Need{X: true, W: true})
	}, [][]int{{2, 3, 4, 5}, {1, 3, 1, 1}}, 1e-2, 2e-3)
}

func TestBiasAddForward(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 2, 1, 3), G.WithValue(
		tensor.New(tensor.WithShape(2, 2, 1, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))))
	b := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 2, 1, 1), G.WithValue(
		tensor.New(tensor.WithShape(1, 2, 1, 1), tensor.WithBacking([]float32{10, -1}))))
	y, err := BiasAdd(x, b, Need{X: true, W: true})
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	want := []float32{11, 12, 13, 3, 4, 5, 17, 18, 19, 9, 10, 11}
	got := y.Value().Data().([]float32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("y = %v, want %v", got, want)
		}
	}
	if _, err := BiasAdd(x, x, Need{}); err == nil {
		t.Error("BiasAdd accepted a bias shaped like x")
	}
}
