package vaegan

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"fmriface/infer/arch"
)

// TestDecorrelation compares the graph's Σ_{i≠j} R_ij² with the correlation
// matrix computed directly, and checks that uncorrelated columns give less
// than columns that copy each other.
func TestDecorrelation(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	w, err := NewWeights(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	const n, l = 6, 5
	direct := func(mu []float64) float64 {
		cols := make([][]float64, l)
		for j := range l {
			var m, v float64
			for i := range n {
				m += mu[i*l+j]
			}
			m /= n
			for i := range n {
				v += (mu[i*l+j] - m) * (mu[i*l+j] - m)
			}
			sd := math.Sqrt(v/n + 1e-6)
			cols[j] = make([]float64, n)
			for i := range n {
				cols[j][i] = (mu[i*l+j] - m) / sd
			}
		}
		var s float64
		for a := range l {
			for b := range l {
				if a == b {
					continue
				}
				var c float64
				for i := range n {
					c += cols[a][i] * cols[b][i]
				}
				s += (c / n) * (c / n)
			}
		}
		return s
	}
	for _, tc := range []struct {
		name   string
		copied bool // every column a multiple of the first
	}{{"random", false}, {"copied", true}} {
		t.Run(tc.name, func(t *testing.T) {
			mu := make([]float64, n*l)
			for i := range n {
				for j := range l {
					mu[i*l+j] = r.NormFloat64()
					if tc.copied && j > 0 {
						mu[i*l+j] = float64(j+1) * mu[i*l]
					}
				}
			}
			b := newBuilder(w, true)
			x := b.input("mu", n, l)
			d := b.decorrelation(x)
			if b.err != nil {
				t.Fatal(b.err)
			}
			v := make([]float32, n*l)
			for i, f := range mu {
				v[i] = float32(f)
			}
			if err := G.Let(x, tensor.New(tensor.WithShape(n, l), tensor.WithBacking(v))); err != nil {
				t.Fatal(err)
			}
			m := G.NewTapeMachine(b.g)
			defer m.Close()
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			got := float64(d.Value().Data().(float32))
			want := direct(mu)
			if math.Abs(got-want) > 1e-3*(1+want) {
				t.Fatalf("decorrelation %v, want %v", got, want)
			}
			if tc.copied && math.Abs(got-float64(l*(l-1))) > 1e-2 {
				t.Errorf("fully correlated columns give %v, want l(l−1) = %d", got, l*(l-1))
			}
		})
	}
}
