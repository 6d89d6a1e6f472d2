package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestBatchNormGradients(t *testing.T) {
	for _, tc := range []struct {
		name     string
		x, p     []int
		training bool
	}{
		{"conv training", []int{3, 4, 2, 3}, []int{1, 4, 1, 1}, true},
		{"conv inference", []int{3, 4, 2, 3}, []int{1, 4, 1, 1}, false},
		{"linear training", []int{5, 3}, []int{1, 3}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gradCheck(t, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				st := NewBNState(tc.x[1], 0.1, 1e-5, tc.training)
				for i := range st.RunMean {
					st.RunMean[i], st.RunVar[i] = 0.1*float32(i), 0.5+0.2*float32(i)
				}
				return BatchNorm(in[0], in[1], in[2], st)
			}, [][]int{tc.x, tc.p, tc.p}, 1e-2, 2e-2)
		})
	}
}

// TestBatchNormMatchesGorgonia: output, the three gradients and the running
// statistics equal those of gorgonia's BatchNorm (plus its broadcast scale
// and shift), which the trainer used before.
func TestBatchNormMatchesGorgonia(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	xs, ps := []int{6, 5, 4, 4}, []int{1, 5, 1, 1}
	xv, gv, bv := randSlice(r, 6*5*16), randSlice(r, 5), randSlice(r, 5)
	for i := range xv {
		xv[i] = 3*xv[i] + 1
	}
	rv := randSlice(r, len(xv))
	run := func(ours bool) (y, dx, dg, db, rm, rvar []float32) {
		g := G.NewGraph()
		mk := func(name string, s []int, v []float32) *G.Node {
			return G.NewTensor(g, tensor.Float32, len(s), G.WithShape(s...), G.WithName(name),
				G.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(append([]float32(nil), v...)))))
		}
		x, gamma, beta := mk("x", xs, xv), mk("g", ps, gv), mk("b", ps, bv)
		var out *G.Node
		var st *BNState
		var gop *G.BatchNormOp
		var err error
		if ours {
			st = NewBNState(5, 0.1, 1e-5, true)
			out, err = BatchNorm(x, gamma, beta, st)
		} else {
			out, _, _, gop, err = G.BatchNorm(x, gamma, beta, 0.1, 1e-5)
		}
		if err != nil {
			t.Fatal(err)
		}
		prod, err := G.HadamardProd(out, mk("r", xs, rv))
		if err != nil {
			t.Fatal(err)
		}
		cost, err := G.Sum(prod)
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Grad(cost, x, gamma, beta)
		if err != nil {
			t.Fatal(err)
		}
		var yv G.Value
		G.Read(out, &yv)
		m := G.NewTapeMachine(g)
		defer m.Close()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		f := func(v G.Value) []float32 { return append([]float32(nil), v.(*tensor.Dense).Float32s()...) }
		if ours {
			rm, rvar = st.RunMean, st.RunVar
		} else {
			a, b := gop.Stats()
			rm, rvar = a.Data().([]float32), b.Data().([]float32)
		}
		return f(yv), f(grads[0].Value()), f(grads[1].Value()), f(grads[2].Value()), rm, rvar
	}
	y1, dx1, dg1, db1, m1, v1 := run(true)
	y2, dx2, dg2, db2, m2, v2 := run(false)
	for _, c := range []struct {
		name string
		a, b []float32
	}{{"y", y1, y2}, {"dx", dx1, dx2}, {"dγ", dg1, dg2}, {"dβ", db1, db2}, {"running mean", m1, m2}, {"running var", v1, v2}} {
		if len(c.a) != len(c.b) {
			t.Fatalf("%s: %d values, gorgonia %d", c.name, len(c.a), len(c.b))
		}
		for i := range c.a {
			if d := math.Abs(float64(c.a[i] - c.b[i])); d > 1e-4*math.Max(1, math.Abs(float64(c.b[i]))) {
				t.Fatalf("%s[%d] = %v, gorgonia %v", c.name, i, c.a[i], c.b[i])
			}
		}
	}
}

func TestBatchNormELUGradients(t *testing.T) {
	for _, training := range []bool{true, false} {
		gradCheck(t, func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			st := NewBNState(4, 0.1, 1e-5, training)
			for i := range st.RunMean {
				st.RunMean[i], st.RunVar[i] = 0.1*float32(i), 0.5+0.2*float32(i)
			}
			return BatchNormELU(in[0], in[1], in[2], st, Need{X: true, W: true})
		}, [][]int{{3, 4, 2, 3}, {1, 4, 1, 1}, {1, 4, 1, 1}}, 1e-2, 2e-2)
	}
}

// TestBatchNormELUMatchesUnfused: the fused op's output and gradients equal
// BatchNorm followed by Elu.
func TestBatchNormELUMatchesUnfused(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	xs, ps := []int{5, 3, 4, 6}, []int{1, 3, 1, 1}
	xv, gv, bv, rv := randSlice(r, 5*3*24), randSlice(r, 3), randSlice(r, 3), randSlice(r, 5*3*24)
	run := func(fused bool) [][]float32 {
		g := G.NewGraph()
		mk := func(name string, s []int, v []float32) *G.Node {
			return G.NewTensor(g, tensor.Float32, len(s), G.WithShape(s...), G.WithName(name),
				G.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(append([]float32(nil), v...)))))
		}
		x, gamma, beta, w := mk("x", xs, xv), mk("g", ps, gv), mk("b", ps, bv), mk("r", xs, rv)
		st := NewBNState(3, 0.1, 1e-5, true)
		var y *G.Node
		var err error
		if fused {
			y, err = BatchNormELU(x, gamma, beta, st, Need{X: true, W: true})
		} else {
			var bn *G.Node
			if bn, err = BatchNorm(x, gamma, beta, st); err == nil {
				y, err = Elu(bn)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, w))))
		grads, err := G.Grad(cost, x, gamma, beta)
		if err != nil {
			t.Fatal(err)
		}
		var yv G.Value
		G.Read(y, &yv)
		m := G.NewTapeMachine(g)
		defer m.Close()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		out := [][]float32{append([]float32(nil), yv.Data().([]float32)...)}
		for _, gr := range grads {
			out = append(out, append([]float32(nil), gr.Value().Data().([]float32)...))
		}
		return out
	}
	fused, plain := run(true), run(false)
	for k, name := range []string{"y", "dx", "dγ", "dβ"} {
		for i := range plain[k] {
			if math.Abs(float64(fused[k][i]-plain[k][i])) > 1e-5*(1+math.Abs(float64(plain[k][i]))) {
				t.Fatalf("%s[%d]: fused %v, unfused %v", name, i, fused[k][i], plain[k][i])
			}
		}
	}
}
