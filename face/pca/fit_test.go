package pca

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/util/fastblas"
)

func TestMain(m *testing.M) {
	fastblas.Use() // the commands fit through OpenBLAS; test that path
	os.Exit(m.Run())
}

// synth returns n rows of d values: a random orthonormal basis with standard
// deviations sd[j] = scale·decay^j (decay 1 = flat spectrum) plus an offset.
func synth(n, d int, decay float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var basis mat.Dense
	qr.QTo(&basis)
	z := mat.NewDense(n, d, nil)
	sd := 0.3
	for j := range d {
		for i := range n {
			z.Set(i, j, sd*rng.NormFloat64())
		}
		sd *= decay
	}
	var x mat.Dense
	x.Mul(z, basis.T())
	out := make([]float32, n*d)
	for i := range n {
		for j := range d {
			out[i*d+j] = float32(x.At(i, j) + 0.5 + 0.1*math.Sin(float64(j)))
		}
	}
	return out
}

// exactPCA returns all eigenvalues (descending) and eigenvectors (columns,
// same order) of the covariance of x, by a dense eigendecomposition.
func exactPCA(t *testing.T, x []float32, n, d int) ([]float64, *mat.Dense) {
	t.Helper()
	xc := mat.NewDense(n, d, nil)
	for j := range d {
		var s float64
		for i := range n {
			s += float64(x[i*d+j])
		}
		s /= float64(n)
		for i := range n {
			xc.Set(i, j, float64(x[i*d+j])-s)
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(n-1), xc.T())
	var es mat.EigenSym
	if !es.Factorize(cov, true) {
		t.Fatal("EigenSym failed")
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	// Ascending → descending.
	desc := make([]float64, d)
	v := mat.NewDense(d, d, nil)
	for j := range d {
		desc[j] = vals[d-1-j]
		for i := range d {
			v.Set(i, j, vecs.At(i, d-1-j))
		}
	}
	return desc, v
}

// cosines returns the cosines of the principal angles between span(v[:, :k])
// and the span of the model's component rows.
func cosines(m *Model, v *mat.Dense) []float64 {
	k, d := m.K, m.D
	c := mat.NewDense(k, d, nil)
	for i := range k {
		for j := range d {
			c.Set(i, j, float64(m.Components[i*d+j]))
		}
	}
	var p mat.Dense
	p.Mul(c, v.Slice(0, d, 0, k)) // k×k
	var svd mat.SVD
	svd.Factorize(&p, mat.SVDNone)
	return svd.Values(nil)
}

func TestFitMatchesExact(t *testing.T) {
	cases := []struct {
		name       string
		n, d, k    int
		decay      float64
		opts       Options
		varTol     float64 // relative error of each explained variance
		minCosine  float64 // smallest principal-angle cosine
		wantOver   int
		wantPowers int
	}{
		{"tall decaying", 300, 200, 20, 0.9, Options{}, 1e-5, 1 - 1e-5, 64, 2},
		{"wide decaying", 60, 200, 30, 0.85, Options{}, 1e-5, 1 - 1e-5, 30, 2},
		{"small blocks", 300, 200, 20, 0.9, Options{BlockRows: 7}, 1e-5, 1 - 1e-5, 64, 2},
		{"no oversampling, one power iteration", 300, 120, 10, 0.5, Options{Oversample: -1, PowerIters: 1}, 0.05, 0.99, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := synth(tc.n, tc.d, tc.decay, 7)
			var log strings.Builder
			tc.opts.Progress = &log
			m, err := Fit(x, tc.n, tc.d, tc.k, 42, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(log.String(), "pca fit") {
				t.Errorf("no progress output: %q", log.String())
			}
			if m.Config.Oversample != tc.wantOver || m.Config.PowerIters != tc.wantPowers || m.Config.Seed != 42 || m.Config.N != tc.n {
				t.Errorf("config %+v", m.Config)
			}
			vals, vecs := exactPCA(t, x, tc.n, tc.d)
			for i := range tc.k {
				if rel := math.Abs(m.Explained[i]-vals[i]) / vals[i]; rel > tc.varTol {
					t.Errorf("component %d: variance %g, exact %g (rel. error %.2g)", i, m.Explained[i], vals[i], rel)
				}
			}
			var total float64
			for _, v := range vals {
				total += v
			}
			if math.Abs(m.TotalVar-total) > 1e-9*total {
				t.Errorf("total variance %g, exact %g", m.TotalVar, total)
			}
			cs := cosines(m, vecs)
			if c := cs[len(cs)-1]; c < tc.minCosine {
				t.Errorf("smallest principal-angle cosine %.8f < %g", c, tc.minCosine)
			}
			checkOrthonormal(t, m, 1e-5)
		})
	}
}

// The randomized method without power iterations cannot find the top
// components of a flat spectrum: the check above is able to fail.
func TestFitFlatSpectrumNeedsMoreWork(t *testing.T) {
	n, d, k := 300, 200, 20
	x := synth(n, d, 0.995, 3)
	_, vecs := exactPCA(t, x, n, d)
	crude, err := Fit(x, n, d, k, 1, Options{Oversample: -1, PowerIters: -1})
	if err != nil {
		t.Fatal(err)
	}
	cs := cosines(crude, vecs)
	if c := cs[len(cs)-1]; c > 0.9 {
		t.Errorf("crude sketch found the subspace (cosine %.3f): test data too easy", c)
	}
}

func checkOrthonormal(t *testing.T, m *Model, tol float64) {
	t.Helper()
	for a := range m.K {
		for b := a; b < m.K; b++ {
			var s float64
			for j := range m.D {
				s += float64(m.Components[a*m.D+j]) * float64(m.Components[b*m.D+j])
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(s-want) > tol {
				t.Fatalf("rows %d·%d = %g, want %g", a, b, s, want)
			}
		}
	}
	for i := 1; i < m.K; i++ {
		if m.Explained[i] > m.Explained[i-1]*(1+1e-12) {
			t.Fatalf("explained variance not sorted at %d: %g > %g", i, m.Explained[i], m.Explained[i-1])
		}
	}
}

func TestFullRankReconstructsExactly(t *testing.T) {
	cases := []struct{ n, d int }{{300, 200}, {150, 40}}
	for _, tc := range cases {
		x := synth(tc.n, tc.d, 0.97, 11)
		m, err := Fit(x, tc.n, tc.d, tc.d, 5, Options{})
		if err != nil {
			t.Fatal(err)
		}
		coef := m.EncodeAll(x, tc.n)
		rec := m.DecodeAll(coef, tc.n)
		var worst float64
		for i := range x {
			worst = math.Max(worst, math.Abs(float64(rec[i]-x[i])))
		}
		if worst > 2e-5 {
			t.Errorf("%d×%d: full-rank round trip error %g", tc.n, tc.d, worst)
		}
		if math.Abs(m.ExplainedRatio()-1) > 1e-6 {
			t.Errorf("%d×%d: full rank keeps %g of the variance", tc.n, tc.d, m.ExplainedRatio())
		}
	}
}

func TestEncodeDecodeSingleMatchesBatch(t *testing.T) {
	n, d, k := 80, 50, 12
	x := synth(n, d, 0.9, 2)
	m, err := Fit(x, n, d, k, 9, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 300 rows exercise more than one encode block.
	many := make([]float32, 300*d)
	for i := 0; i < len(many); i += len(x) {
		copy(many[i:], x)
	}
	batch := m.EncodeAll(many, 300)
	rec := m.DecodeAll(batch, 300)
	coef := make([]float32, k)
	img := make([]float32, d)
	for i := range 300 {
		m.Encode(many[i*d:(i+1)*d], coef)
		for j, v := range coef {
			if math.Abs(float64(v-batch[i*k+j])) > 1e-5 {
				t.Fatalf("row %d coef %d: %g vs batch %g", i, j, v, batch[i*k+j])
			}
		}
		m.Decode(coef, img)
		for j, v := range img {
			if math.Abs(float64(v-rec[i*d+j])) > 1e-5 {
				t.Fatalf("row %d pixel %d: %g vs batch %g", i, j, v, rec[i*d+j])
			}
		}
	}
	// Coefficients of the training rows have the fitted variances.
	for j := range k {
		var s float64
		for i := range n {
			s += float64(batch[i*k+j]) * float64(batch[i*k+j])
		}
		if v := s / float64(n-1); math.Abs(v-m.Explained[j]) > 1e-4*m.Explained[0] {
			t.Errorf("coefficient %d has variance %g, model says %g", j, v, m.Explained[j])
		}
	}
	if got := m.DecodeAll(nil, 0); len(got) != 0 {
		t.Errorf("DecodeAll of nothing: %d values", len(got))
	}
}

func TestFitDeterministic(t *testing.T) {
	n, d, k := 100, 60, 8
	x := synth(n, d, 0.8, 4)
	a, err := Fit(x, n, d, k, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Fit(x, n, d, k, 1, Options{})
	for i := range a.Components {
		if a.Components[i] != b.Components[i] {
			t.Fatalf("same seed, component value %d differs", i)
		}
	}
	// Another seed: same components up to rounding (signs are fixed).
	c, _ := Fit(x, n, d, k, 2, Options{})
	for i := range a.Components {
		if math.Abs(float64(a.Components[i]-c.Components[i])) > 1e-4 {
			t.Fatalf("seed 2: component value %d is %g, seed 1 gave %g", i, c.Components[i], a.Components[i])
		}
	}
}

func TestFitErrors(t *testing.T) {
	good := synth(10, 5, 0.9, 1)
	nan := append([]float32(nil), good...)
	nan[17] = float32(math.NaN())
	cases := []struct {
		name    string
		x       []float32
		n, d, k int
		want    string
	}{
		{"one row", good[:5], 1, 5, 1, "at least 2 rows"},
		{"short data", good[:49], 10, 5, 2, "49 values"},
		{"k zero", good, 10, 5, 0, "k = 0"},
		{"k above d", good, 10, 5, 6, "k = 6"},
		{"k above n", good, 2, 25, 3, "k = 3"},
		{"NaN", nan, 10, 5, 2, "row 3, column 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fit(tc.x, tc.n, tc.d, tc.k, 1, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestEncodePanicsOnWrongLength(t *testing.T) {
	m := &Model{K: 2, D: 3, Mean: make([]float32, 3), Components: make([]float32, 6)}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "D=3") {
			t.Errorf("panic %v", r)
		}
	}()
	m.Encode(make([]float32, 4), make([]float32, 2))
}

// Identical rows have no variance: the fit still returns orthonormal
// components (an arbitrary basis) with zero variance, not NaN.
func TestFitConstantData(t *testing.T) {
	n, d, k := 20, 10, 4
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(i%d) / 10
	}
	m, err := Fit(x, n, d, k, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkOrthonormal(t, m, 1e-6)
	for i, v := range m.Explained {
		if v != 0 {
			t.Errorf("explained[%d] = %g, want 0", i, v)
		}
	}
	if m.TotalVar != 0 || m.Mean[3] != 0.3 {
		t.Errorf("total variance %g, mean %v", m.TotalVar, m.Mean)
	}
	rec := m.DecodeAll(m.EncodeAll(x, n), n)
	for i := range x {
		if math.Abs(float64(rec[i]-x[i])) > 1e-6 {
			t.Fatalf("value %d: %g, want %g", i, rec[i], x[i])
		}
	}
}
