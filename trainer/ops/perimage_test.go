package ops

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestPerImagePaths checks the six convolution ops on both sides of
// perImageMin against the naive loops: the forward passes directly, the
// gradients through the adjoint identities of a bilinear map y = f(x, w):
// ⟨dy, f(x′, w)⟩ = ⟨dx, x′⟩ and ⟨dy, f(x, w′)⟩ = ⟨dw, w′⟩ for random x′, w′.
// Three images make one worker of two sum two images (beta = 1).
func TestPerImagePaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	g := Geom{K: 3, Stride: 2, Pad: 1, OutPad: 1}
	cg := Geom{K: 3, Stride: 2, Pad: 1}
	dense := func(v []float32, shape ...int) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	dot := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	do := func(op interface {
		Do(...G.Value) (G.Value, error)
	}, a, b *tensor.Dense) []float32 {
		t.Helper()
		v, err := op.Do(a, b)
		if err != nil {
			t.Fatal(err)
		}
		return v.(*tensor.Dense).Float32s()
	}
	closeTo := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	for _, side := range []int{8, 18} { // conv outputs 4×4 and 9×9 pixels
		n, cin, cout := 3, 2, 4
		ho := cg.convOut(side)
		xs, ws, ys := []int{n, cin, side, side}, []int{cout, cin, 3, 3}, []int{n, cout, ho, ho}
		x, w := randSlice(r, n*cin*side*side), randSlice(r, cout*cin*9)
		x2, w2, dy := randSlice(r, len(x)), randSlice(r, len(w)), randSlice(r, n*cout*ho*ho)
		y := do(&convOp{geom: cg}, dense(x, xs...), dense(w, ws...))
		want := naiveConv(x, w, n, cin, side, side, cout, cg)
		for i := range want {
			if math.Abs(float64(y[i]-want[i])) > 1e-4 {
				t.Fatalf("conv %dpx: y[%d] = %v, want %v", ho*ho, i, y[i], want[i])
			}
		}
		dx := do(&convDxOp{geom: cg, xShape: tensor.Shape(xs)}, dense(dy, ys...), dense(w, ws...))
		closeTo("conv dx", dot(dx, x2), dot(dy, naiveConv(x2, w, n, cin, side, side, cout, cg)))
		dw := do(&convDwOp{geom: cg, wShape: tensor.Shape(ws)}, dense(x, xs...), dense(dy, ys...))
		closeTo("conv dw", dot(dw, w2), dot(dy, naiveConv(x, w2, n, cin, side, side, cout, cg)))
	}
	for _, side := range []int{5, 9} { // transposed-conv inputs of 25 and 81 pixels
		n, cin, cout := 3, 4, 2
		ho := g.out(side)
		xs, ws, ys := []int{n, cin, side, side}, []int{cin, cout, 3, 3}, []int{n, cout, ho, ho}
		x, w := randSlice(r, n*cin*side*side), randSlice(r, cin*cout*9)
		x2, w2, dy := randSlice(r, len(x)), randSlice(r, len(w)), randSlice(r, n*cout*ho*ho)
		y := do(&deconvOp{geom: g}, dense(x, xs...), dense(w, ws...))
		want := naiveDeconv(x, w, n, cin, side, side, cout, g)
		for i := range want {
			if math.Abs(float64(y[i]-want[i])) > 1e-4 {
				t.Fatalf("deconv %dpx: y[%d] = %v, want %v", side*side, i, y[i], want[i])
			}
		}
		dx := do(&deconvDxOp{geom: g, xShape: tensor.Shape(xs)}, dense(dy, ys...), dense(w, ws...))
		closeTo("deconv dx", dot(dx, x2), dot(dy, naiveDeconv(x2, w, n, cin, side, side, cout, g)))
		dw := do(&deconvDwOp{geom: g, wShape: tensor.Shape(ws)}, dense(x, xs...), dense(dy, ys...))
		closeTo("deconv dw", dot(dw, w2), dot(dy, naiveDeconv(x, w2, n, cin, side, side, cout, g)))
	}
}

// The stride-2 3×3 gather adds exactly what the general scatter adds, into
// an output that already holds values (col2im adds).
func TestCol2imS2K3(t *testing.T) {
	g := Geom{K: 3, Stride: 2, Pad: 1, OutPad: 1}
	for _, c := range []struct{ n, cout, h, w int }{{1, 1, 1, 1}, {1, 2, 2, 3}, {2, 3, 5, 4}, {3, 2, 8, 8}, {1, 1, 7, 1}} {
		r := rand.New(rand.NewPCG(uint64(c.h), uint64(c.w)))
		cols := make([]float32, c.cout*9*c.n*c.h*c.w)
		for i := range cols {
			cols[i] = float32(r.NormFloat64())
		}
		ho, wo := 2*c.h, 2*c.w
		want := make([]float32, c.n*c.cout*ho*wo)
		for i := range want {
			want[i] = float32(r.NormFloat64())
		}
		got := slices.Clone(want)
		for co := range c.cout {
			col2imScatter(cols, want, c.n, c.cout, c.h, c.w, ho, wo, g, co)
			col2imChannel(cols, got, c.n, c.cout, c.h, c.w, ho, wo, g, co)
		}
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%+v: element %d: gather %v, scatter %v", c, i, got[i], want[i])
			}
		}
	}
}
