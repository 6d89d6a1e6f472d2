package corr

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func TestPearson(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		a, b []float64
		want float64
	}{
		{"scaled copy", []float64{1, 2, 3}, []float64{2, 4, 6}, 1},
		{"reversed", []float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		{"hand-worked 0.8", []float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8},
		{"offset does not matter", []float64{1, 2, 3, 4}, []float64{101, 103, 102, 104}, 0.8},
		{"orthogonal", []float64{1, -1, 1, -1}, []float64{1, 1, -1, -1}, 0},
		{"rotated", []float64{1, 0, -1, 0}, []float64{0, 1, 0, -1}, 0},
		{"constant is undefined", []float64{1, 2, 3}, []float64{5, 5, 5}, nan},
		{"one value is undefined", []float64{1}, []float64{2}, nan},
		{"empty is undefined", nil, nil, nan},
		{"lengths differ", []float64{1, 2, 3}, []float64{1, 2}, nan},
		{"NaN input", []float64{1, nan, 3}, []float64{1, 2, 3}, nan},
		{"infinite input", []float64{1, math.Inf(1), 3}, []float64{1, 2, 3}, nan},
	} {
		if got := Pearson(tc.a, tc.b); !near(got, tc.want, 1e-12) {
			t.Errorf("%s: Pearson = %v, want %v", tc.name, got, tc.want)
		}
		a32, b32 := to32(tc.a), to32(tc.b)
		if got := Pearson(a32, b32); !near(got, tc.want, 1e-12) {
			t.Errorf("%s: float32 Pearson = %v, want %v", tc.name, got, tc.want)
		}
		want0 := tc.want
		if math.IsNaN(want0) && !strings.Contains(tc.name, "input") {
			want0 = 0 // undefined, not NaN data
		}
		if got := PearsonOr(a32, b32, 0); !near(got, want0, 1e-12) {
			t.Errorf("%s: PearsonOr(…, 0) = %v, want %v", tc.name, got, want0)
		}
	}
}

func to32(x []float64) []float32 {
	if x == nil {
		return nil
	}
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func randRows(rng *rand.Rand, n, d int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, d)
		for j := range out[i] {
			out[i][j] = rng.NormFloat64()*3 + float64(i)
		}
	}
	return out
}

// A float32 input gives exactly what its float64 conversion gives.
func TestFloat32IsItsFloat64Conversion(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		d := 1 + rng.IntN(300)
		a, b := make([]float32, d), make([]float32, d)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
			b[i] = a[i]*0.5 + float32(rng.NormFloat64())
		}
		a64, b64 := make([]float64, d), make([]float64, d)
		for i := range a {
			a64[i], b64[i] = float64(a[i]), float64(b[i])
		}
		if x, y := Pearson(a, b), Pearson(a64, b64); math.Float64bits(x) != math.Float64bits(y) {
			t.Fatalf("d=%d: float32 %v, float64 %v", d, x, y)
		}
	}
}

func TestMatrixAndMatrixInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	na, nb, d := 5, 7, 33
	a, b := randRows(rng, na, d), randRows(rng, nb, d)
	for j := range b[3] { // one constant row
		b[3][j] = 0.25
	}
	r := Matrix(a, b)
	flatA, flatB := flat(a), flat(b)
	into := make([]float64, na*nb)
	MatrixInto(into, flatA, flatB, d, math.NaN())
	into0 := make([]float64, na*nb)
	MatrixInto(into0, to32(flatA), to32(flatB), d, 0)
	for i := range na {
		for j := range nb {
			want := Pearson(a[i], b[j])
			if math.Float64bits(r[i][j]) != math.Float64bits(want) || math.Float64bits(into[i*nb+j]) != math.Float64bits(want) {
				t.Fatalf("[%d][%d]: Matrix %v, MatrixInto %v, Pearson %v", i, j, r[i][j], into[i*nb+j], want)
			}
			if j == 3 && into0[i*nb+j] != 0 {
				t.Errorf("[%d][3] with undefined = 0: %v", i, into0[i*nb+j])
			}
		}
	}
	if got := Matrix[float64](nil, b); len(got) != 0 {
		t.Errorf("Matrix of no rows: %v", got)
	}
}

func flat(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func TestStandardizeGivesCorrelations(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n, d := 6, 41
	x := flat(randRows(rng, n, d))
	for j := range d {
		x[2*d+j] = -1 // a constant row
	}
	s := make([]float64, n*d)
	Standardize(s, to32(x), n, d)
	for i := range n {
		for j := range n {
			var dot float64
			for k := range d {
				dot += s[i*d+k] * s[j*d+k]
			}
			want := Pearson(to32(x[i*d:(i+1)*d]), to32(x[j*d:(j+1)*d]))
			if !near(Clamp(dot), want, 1e-12) {
				t.Errorf("[%d][%d]: standardized dot %v, Pearson %v", i, j, dot, want)
			}
		}
	}
}

func TestClamp(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{1.0000000000000002, 1}, {-1.0000000000000002, -1}, {0.5, 0.5}, {math.NaN(), math.NaN()},
	} {
		if got := Clamp(tc.in); !near(got, tc.want, 0) {
			t.Errorf("Clamp(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestWinsAndPairwise(t *testing.T) {
	for _, tc := range []struct {
		name    string
		r       []float64
		n       int
		per     []int
		correct int
	}{
		// 3 faces: face 0 beats both, face 1 beats one, face 2 none.
		{"hand-worked 3×3", []float64{
			0.9, 0.1, 0.2,
			0.3, 0.5, 0.6,
			0.8, 0.7, 0.1,
		}, 3, []int{2, 1, 0}, 3},
		{"ties count as losses", []float64{.5, .5, .1, .2}, 2, []int{0, 1}, 1},
		{"NaN diagonal loses", []float64{math.NaN(), 0, 0, 1}, 2, []int{0, 1}, 1},
		{"NaN distractor loses", []float64{1, math.NaN(), 0, 1}, 2, []int{0, 1}, 1},
		{"one item", []float64{1}, 1, []int{0}, 0},
		{"empty", nil, 0, []int{}, 0},
	} {
		per := make([]int, tc.n)
		c, total := Pairwise(tc.r, tc.n, per)
		if c != tc.correct || total != tc.n*(tc.n-1) {
			t.Errorf("%s: Pairwise = %d of %d, want %d of %d", tc.name, c, total, tc.correct, tc.n*(tc.n-1))
		}
		for i := range per {
			if per[i] != tc.per[i] || Wins(tc.r[i*tc.n:(i+1)*tc.n], i) != tc.per[i] {
				t.Errorf("%s: wins %v, want %v", tc.name, per, tc.per)
				break
			}
		}
		if c2, _ := Pairwise(tc.r, tc.n, nil); c2 != c {
			t.Errorf("%s: without per-row counts %d, with %d", tc.name, c2, c)
		}
	}
}

func TestPanicsNameTheFunction(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"MatrixInto", func() { MatrixInto(make([]float64, 3), make([]float32, 4), make([]float32, 4), 2, 0) }},
		{"MatrixInto", func() { MatrixInto(make([]float64, 1), make([]float32, 3), make([]float32, 4), 2, 0) }},
		{"Standardize", func() { Standardize(make([]float64, 6), make([]float64, 6), 2, 4) }},
		{"Pairwise", func() { Pairwise(make([]float64, 5), 2, nil) }},
		{"Pairwise", func() { Pairwise(make([]float64, 4), 2, make([]int, 1)) }},
	} {
		func() {
			defer func() {
				r, _ := recover().(string)
				if !strings.Contains(r, tc.name) {
					t.Errorf("%s: panic %q does not name the function", tc.name, r)
				}
			}()
			tc.f()
		}()
	}
}

func TestNoAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n, d := 20, 64
	a, b := to32(flat(randRows(rng, n, d))), to32(flat(randRows(rng, n, d)))
	r := make([]float64, n*n)
	per := make([]int, n)
	if allocs := testing.AllocsPerRun(20, func() {
		MatrixInto(r, a, b, d, 0)
		Pairwise(r, n, per)
		PearsonOr(a[:d], b[:d], 0)
		Pearson(a[:d], b[:d])
	}); allocs != 0 {
		t.Errorf("MatrixInto, Pairwise and Pearson allocate %v times", allocs)
	}
}

func BenchmarkMatrixInto20x1024(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	n, d := 20, 1024
	x, y := to32(flat(randRows(rng, n, d))), to32(flat(randRows(rng, n, d)))
	r := make([]float64, n*n)
	b.ReportAllocs()
	for b.Loop() {
		MatrixInto(r, x, y, d, 0)
	}
}
