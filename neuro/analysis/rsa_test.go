package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRanks(t *testing.T) {
	for _, c := range []struct {
		x, want []float64
	}{
		{[]float64{3, 1, 2}, []float64{3, 1, 2}},
		{[]float64{1, 2, 2, 3}, []float64{1, 2.5, 2.5, 4}},
		{[]float64{5, 5, 5}, []float64{2, 2, 2}},
	} {
		got := ranks(c.x)
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("ranks(%v) = %v, want %v", c.x, got, c.want)
				break
			}
		}
	}
}

// The RDM is 1 − r of the mean-removed patterns: a pattern and its
// negative (about the column means) are at distance 2, a copy at 0.
func TestRDM(t *testing.T) {
	rows := [][]float64{{1, 2, 3}, {3, 2, 1}, {2, 2, 2}, {1, 2, 3}}
	// Column means (1.75, 2, 2.25): row 0 → (−.75, 0, .75), row 1 → (1.25, 0,
	// −1.25), row 2 → (.25, 0, −.25): the cocktail blank makes 1 and 2 alike.
	d, err := RDM(rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		i, j int
		want float64
	}{{0, 1, 2}, {0, 3, 0}, {1, 2, 0}, {0, 2, 2}, {0, 0, 0}} {
		if math.Abs(d[c.i][c.j]-c.want) > 1e-12 || d[c.i][c.j] != d[c.j][c.i] {
			t.Errorf("RDM[%d][%d] = %v (sym %v), want %v", c.i, c.j, d[c.i][c.j], d[c.j][c.i], c.want)
		}
	}
	for _, bad := range [][][]float64{nil, {{1}, {2}}, {{1, 2}, {1}, {2, 3}}, {{}, {}, {}}} {
		if _, err := RDM(bad); err == nil {
			t.Errorf("RDM(%v) accepted", bad)
		}
	}
}

// Spearman of an RDM with itself is 1, with a monotone transform of itself
// 1, with its order reversed −1; independent RDMs are near 0.
func TestCompareRDMs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pat := func() [][]float64 {
		rows := make([][]float64, 20)
		for i := range rows {
			rows[i] = make([]float64, 50)
			for k := range rows[i] {
				rows[i][k] = rng.NormFloat64()
			}
		}
		return rows
	}
	a, _ := RDM(pat())
	b, _ := RDM(pat())
	transform := func(m [][]float64, f func(float64) float64) [][]float64 {
		out := make([][]float64, len(m))
		for i := range m {
			out[i] = make([]float64, len(m))
			for j := range m {
				out[i][j] = f(m[i][j])
			}
		}
		return out
	}
	for _, c := range []struct {
		name   string
		b      [][]float64
		lo, hi float64
	}{
		{"itself", a, 1 - 1e-12, 1 + 1e-12},
		{"cubed", transform(a, func(x float64) float64 { return x * x * x }), 1 - 1e-12, 1 + 1e-12},
		{"reversed", transform(a, func(x float64) float64 { return -x }), -1 - 1e-12, -1 + 1e-12},
		{"independent", b, -0.25, 0.25},
	} {
		rho, err := CompareRDMs(a, c.b)
		if err != nil || rho < c.lo || rho > c.hi {
			t.Errorf("%s: ρ = %v (%v), want in [%v, %v]", c.name, rho, err, c.lo, c.hi)
		}
	}
	if _, err := CompareRDMs(a, a[:5]); err == nil {
		t.Errorf("RDMs of different sizes compared")
	}
}
