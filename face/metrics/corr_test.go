package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"fmriface/util/corr"
)

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func TestCorrMatrixMatchesPearson(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, d := 9, 37
	a, b := make([]float32, n*d), make([]float32, n*d)
	for i := range a {
		a[i] = rng.Float32()
		b[i] = a[i]*0.3 + rng.Float32()
	}
	for j := range d { // one constant row in b
		b[4*d+j] = 0.25
	}
	c := CorrMatrix(a, b, n, d)
	for i := range n {
		for j := range n {
			want := corr.Clamp(corr.Pearson(a[i*d:(i+1)*d], b[j*d:(j+1)*d]))
			if !near(c[i*n+j], want, 1e-12) {
				t.Fatalf("corr[%d][%d] = %v, Pearson gives %v", i, j, c[i*n+j], want)
			}
		}
	}
	// Hand-worked 2×2: rows of a against rows of b.
	got := CorrMatrix([]float32{1, 2, 3, 4, 1, 2, 3, 4}, []float32{1, 3, 2, 4, 4, 3, 2, 1}, 2, 4)
	want := []float64{0.8, -1, 0.8, -1}
	for i := range want {
		if !near(got[i], want[i], 1e-12) {
			t.Errorf("2×2 corr = %v, want %v", got, want)
			break
		}
	}
}

func TestIdentificationAndRecognition(t *testing.T) {
	cases := []struct {
		name              string
		corr              []float64
		n                 int
		ident, recognised float64
	}{
		{"hand-worked 3×3", []float64{
			1, .5, .2,
			.3, .9, .95, // the diagonal loses to .95
			.1, .2, .4,
		}, 3, 5.0 / 6, 2.0 / 3},
		{"ties count as failures", []float64{
			.5, .5,
			.1, .2,
		}, 2, 0.5, 0.5},
		{"perfect", []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 1, 1},
		{"all wrong", []float64{0, 1, 1, 0}, 2, 0, 0},
		{"NaN diagonal fails", []float64{math.NaN(), 0, 0, 1}, 2, 0.5, 0.5},
		{"one item", []float64{1}, 1, math.NaN(), 1},
		{"empty", nil, 0, math.NaN(), math.NaN()},
	}
	for _, tc := range cases {
		if got := Identification(tc.corr, tc.n); !near(got, tc.ident, 1e-12) {
			t.Errorf("%s: Identification = %v, want %v", tc.name, got, tc.ident)
		}
		if got := Recognition(tc.corr, tc.n); !near(got, tc.recognised, 1e-12) {
			t.Errorf("%s: Recognition = %v, want %v", tc.name, got, tc.recognised)
		}
	}
}

// Identification of noisy copies through CorrMatrix: near 1 for little noise,
// near chance (0.5) for pure noise.
func TestIdentificationEndToEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n, d := 40, 200
	orig := make([]float32, n*d)
	for i := range orig {
		orig[i] = rng.Float32()
	}
	noisy := func(s float32) []float32 {
		out := make([]float32, n*d)
		for i, v := range orig {
			out[i] = v + s*float32(rng.NormFloat64())
		}
		return out
	}
	if got := Identification(CorrMatrix(noisy(0.1), orig, n, d), n); got != 1 {
		t.Errorf("light noise: identification %v, want 1", got)
	}
	if got := Identification(CorrMatrix(noisy(100), orig, n, d), n); got < 0.35 || got > 0.65 {
		t.Errorf("pure noise: identification %v, want near 0.5", got)
	}
}

func TestCorrPanicsOnBadLengths(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"CorrMatrix", func() { CorrMatrix(make([]float32, 6), make([]float32, 6), 2, 4) }},
		{"Identification", func() { Identification(make([]float64, 5), 2) }},
		{"Recognition", func() { Recognition(make([]float64, 5), 2) }},
	}
	for _, tc := range cases {
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
