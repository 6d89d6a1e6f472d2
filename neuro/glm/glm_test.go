package glm

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return mat.NewDense(r, c, d)
}

// refOLS solves by QR, independently of the Cholesky path.
func refOLS(t *testing.T, X, Y *mat.Dense) (*mat.Dense, []float64) {
	t.Helper()
	var b mat.Dense
	if err := b.Solve(X, Y); err != nil {
		t.Fatal(err)
	}
	var res mat.Dense
	res.Mul(X, &b)
	res.Sub(Y, &res)
	return &b, colSumSq(&res)
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func TestCanonicalHRF(t *testing.T) {
	dt := 0.125
	h, err := Canonical().Sample(dt)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	peak, trough := 0, 0
	for k, v := range h {
		sum += v
		if v > h[peak] {
			peak = k
		}
		if v < h[trough] {
			trough = k
		}
	}
	if math.Abs(sum*dt-1) > 1e-12 {
		t.Errorf("area %v, want 1", sum*dt)
	}
	// Gamma(6,1) − Gamma(16,1)/6 peaks at ≈ 5 s and dips at ≈ 15.7 s.
	if tp := float64(peak) * dt; tp < 4.5 || tp > 5.5 {
		t.Errorf("peak at %v s, want ≈ 5", tp)
	}
	if tt := float64(trough) * dt; tt < 14 || tt > 17 || h[trough] >= 0 {
		t.Errorf("undershoot at %v s (value %v)", tt, h[trough])
	}
	if len(h) != 257 {
		t.Errorf("%d samples, want 32/0.125+1", len(h))
	}
	sh := Canonical()
	sh.Shift = 1
	hs, err := sh.Sample(dt)
	if err != nil {
		t.Fatal(err)
	}
	peakS := 0
	for k, v := range hs {
		if v > hs[peakS] {
			peakS = k
		}
	}
	if peakS-peak != 8 {
		t.Errorf("1 s shift moved the peak by %d samples, want 8", peakS-peak)
	}
	if _, err := (HRF{}).Sample(dt); err == nil {
		t.Error("zero HRF accepted")
	}
}

func TestConvolver(t *testing.T) {
	c, err := NewConvolver(2, Canonical(), 16, SampleMiddle)
	if err != nil {
		t.Fatal(err)
	}
	// A long block settles at 1.
	x, err := c.Regressor([]Event{{Onset: 0, Duration: 300}}, nil, 150)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(x[100]-1) > 1e-3 {
		t.Errorf("plateau %v, want 1", x[100])
	}
	// Impulse vs short boxcar of the same area: nearly equal.
	imp, _ := c.Regressor([]Event{{Onset: 10}}, nil, 30)
	box, _ := c.Regressor([]Event{{Onset: 9.95, Duration: 0.1}}, []float64{10}, 30)
	if d := maxAbsDiff(imp, box); d > 2e-3 {
		t.Errorf("impulse vs short boxcar differ by %v", d)
	}
	// Regressor equals Responses·amplitudes, and nothing before the onset.
	ev := []Event{{Onset: 3, Duration: 1}, {Onset: 7.3, Duration: 1}, {Onset: 40.1, Duration: 2}}
	amp := []float64{1, -2, 0.5}
	reg, _ := c.Regressor(ev, amp, 60)
	r, err := c.Responses(ev, 60)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(reg, mulVec(r, amp)); d > 1e-14 {
		t.Errorf("Regressor and Responses differ by %v", d)
	}
	if r.At(1, 0) != 0 || r.At(2, 0) <= 0 {
		t.Errorf("event at 3 s: scan 1 (t=3 s) %v, scan 2 (t=5 s) %v", r.At(1, 0), r.At(2, 0))
	}
	bad := []struct {
		ev []Event
		n  int
	}{
		{[]Event{{Onset: -2e6}}, 10},
		{[]Event{{Onset: math.NaN()}}, 10},
		{[]Event{{Onset: math.Inf(1)}}, 10},
		{[]Event{{Onset: 1, Duration: -1}}, 10},
		{[]Event{{Onset: 1, Duration: math.NaN()}}, 10},
		{[]Event{{Onset: 1}}, 0},
	}
	for i, b := range bad {
		if _, err := c.Responses(b.ev, b.n); err == nil {
			t.Errorf("case %d: bad events accepted", i)
		}
	}
	// Events past the last scan add nothing; one just before the first
	// scan adds its tail.
	late, err := c.Responses([]Event{{Onset: 100, Duration: 1}, {Onset: -3, Duration: 1}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if mat.Norm(late.ColView(0), 2) != 0 || late.At(0, 1) <= 0 {
		t.Errorf("late event %v, early event at scan 0 %v", mat.Norm(late.ColView(0), 2), late.At(0, 1))
	}
}

func TestDCTBasis(t *testing.T) {
	d, err := DCTBasis(195, 2, 128)
	if err != nil {
		t.Fatal(err)
	}
	if _, c := d.Dims(); c != 6 {
		t.Fatalf("%d columns, want floor(2·390/128+1)−1 = 6", c)
	}
	var g mat.Dense
	g.Mul(d.T(), d)
	if !mat.EqualApprox(&g, eye(6), 1e-12) {
		t.Errorf("DCT columns not orthonormal")
	}
	one := mat.NewVecDense(195, nil)
	for i := 0; i < 195; i++ {
		one.SetVec(i, 1)
	}
	var dot mat.VecDense
	dot.MulVec(d.T(), one)
	if mat.Norm(&dot, 2) > 1e-10 {
		t.Errorf("DCT columns not orthogonal to the constant")
	}
	if d, _ := DCTBasis(10, 2, 128); d != nil {
		t.Errorf("20 s run should have no high-pass column")
	}
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// TestFitRecoversBetas fits synthetic series with known betas and known
// noise: the estimates agree with an independent QR solve, lie within a few
// standard errors of the truth, and σ² comes back.
func TestFitRecoversBetas(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, p, v := 3000, 8, 50
	X := randDense(rng, n, p)
	for i := 0; i < n; i++ { // a constant column, scaled columns
		X.Set(i, 0, 1)
		X.Set(i, 3, 100*X.At(i, 3))
	}
	B := randDense(rng, p, v)
	const sigma = 0.5
	var Y mat.Dense
	Y.Mul(X, B)
	for i := 0; i < n; i++ {
		for j := 0; j < v; j++ {
			Y.Set(i, j, Y.At(i, j)+sigma*rng.NormFloat64())
		}
	}
	res, err := Fit(X, &Y)
	if err != nil {
		t.Fatal(err)
	}
	ref, refRSS := refOLS(t, X, &Y)
	if !mat.EqualApprox(res.Beta, ref, 1e-9) {
		t.Errorf("betas differ from the QR reference")
	}
	for k := range refRSS {
		if math.Abs(res.RSS[k]-refRSS[k]) > 1e-8*refRSS[k] {
			t.Fatalf("voxel %d: RSS %v, reference %v", k, res.RSS[k], refRSS[k])
		}
	}
	if res.DOF != n-p {
		t.Errorf("DOF %d", res.DOF)
	}
	// Standardised errors (β̂−β)/se should look like N(0,1).
	var xtx mat.Dense
	xtx.Mul(X.T(), X)
	var inv mat.Dense
	if err := inv.Inverse(&xtx); err != nil {
		t.Fatal(err)
	}
	var ss float64
	s2 := res.Sigma2()
	for j := 0; j < p; j++ {
		for k := 0; k < v; k++ {
			z := (res.Beta.At(j, k) - B.At(j, k)) / math.Sqrt(s2[k]*inv.At(j, j))
			ss += z * z
		}
	}
	if chi := ss / float64(p*v); chi < 0.8 || chi > 1.2 {
		t.Errorf("mean squared standardised error %v, want ≈ 1", chi)
	}
	var mean float64
	for _, s := range s2 {
		mean += s / float64(v)
	}
	if math.Abs(mean/(sigma*sigma)-1) > 0.03 {
		t.Errorf("mean σ² %v, want %v", mean, sigma*sigma)
	}
}

// TestContrasts checks T and both F formulas against explicit formulas and
// a second, reduced fit.
func TestContrasts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n, p, v := 400, 6, 7
	X := randDense(rng, n, p)
	Y := randDense(rng, n, v)
	for i := 0; i < n; i++ {
		Y.Set(i, 0, Y.At(i, 0)+0.3*X.At(i, 1)) // some signal
	}
	res, err := FitWith(X, Y, FitOptions{Names: []string{"a", "b", "c", "d", "e", "f"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := res.Contrast(map[string]float64{"b": 1, "c": -1})
	if err != nil {
		t.Fatal(err)
	}
	tt, err := res.T(c)
	if err != nil {
		t.Fatal(err)
	}
	var xtx, inv mat.Dense
	xtx.Mul(X.T(), X)
	inv.Inverse(&xtx)
	cv := mat.NewVecDense(p, c)
	varf := mat.Inner(cv, &inv, cv)
	for k := 0; k < v; k++ {
		eff := res.Beta.At(1, k) - res.Beta.At(2, k)
		want := eff / math.Sqrt(res.RSS[k]/float64(n-p)*varf)
		if math.Abs(tt[k]-want) > 1e-9*math.Abs(want) {
			t.Errorf("voxel %d: t %v, want %v", k, tt[k], want)
		}
	}
	if tt[0] < 4 {
		t.Errorf("planted effect gave t = %v", tt[0])
	}
	for _, cols := range [][]int{{1}, {1, 2}, {0, 2, 3, 4, 5}, {1, 2, 3, 4}} {
		var rest []int
		for j := 0; j < p; j++ {
			if !contains(cols, j) {
				rest = append(rest, j)
			}
		}
		xr := mat.NewDense(n, len(rest), nil)
		for a, j := range rest {
			xr.SetCol(a, mat.Col(nil, j, X))
		}
		_, rssR := refOLS(t, xr, Y)
		direct := res.extraSSDirect(cols)
		reduced := res.extraSSReduced(rest)
		F, err := res.F(cols)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < v; k++ {
			want := rssR[k] - res.RSS[k]
			if math.Abs(direct[k]-want) > 1e-8*rssR[k] || math.Abs(reduced[k]-want) > 1e-8*rssR[k] {
				t.Errorf("cols %v voxel %d: ΔSS direct %v reduced %v, want %v", cols, k, direct[k], reduced[k], want)
			}
			wantF := want / float64(len(cols)) / (res.RSS[k] / float64(n-p))
			if math.Abs(F[k]-wantF) > 1e-7*wantF {
				t.Errorf("cols %v voxel %d: F %v, want %v", cols, k, F[k], wantF)
			}
		}
	}
	for _, bad := range [][]int{{}, {6}, {1, 1}, {-1}} {
		if _, err := res.F(bad); err == nil {
			t.Errorf("F(%v) accepted", bad)
		}
	}
	if _, err := res.T(make([]float64, p)); err == nil {
		t.Error("zero contrast accepted")
	}
	if _, err := res.T(c[:2]); err == nil {
		t.Error("short contrast accepted")
	}
}

func TestRankError(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 100
	X := randDense(rng, n, 5)
	Y := randDense(rng, n, 3)
	names := []string{"face", "fix", "sum", "zero", "other"}
	for i := 0; i < n; i++ {
		X.Set(i, 2, X.At(i, 0)-2*X.At(i, 1))
		X.Set(i, 3, 0)
	}
	cases := []struct {
		name string
		cols []int
		want string
	}{
		{"combination", []int{0, 1, 2, 4}, "sum"},
		{"zero column", []int{0, 1, 3, 4}, "zero"},
		{"duplicate", []int{0, 1, 4, 0}, "face"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := mat.NewDense(n, len(tc.cols), nil)
			var nm []string
			for a, j := range tc.cols {
				x.SetCol(a, mat.Col(nil, j, X))
				nm = append(nm, names[j])
			}
			_, err := FitWith(x, Y, FitOptions{Names: nm})
			var re *RankError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a RankError", err)
			}
			if re.Column != tc.want || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("blamed %q, want %q (%v)", re.Column, tc.want, err)
			}
		})
	}
}

func TestFitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	X := randDense(rng, 10, 3)
	Y := randDense(rng, 10, 2)
	Y.Set(4, 1, math.NaN())
	if _, err := Fit(X, Y); err == nil || !strings.Contains(err.Error(), "voxel 1") {
		t.Errorf("NaN voxel: %v", err)
	}
	if _, err := Fit(X, randDense(rng, 9, 2)); err == nil {
		t.Error("row mismatch accepted")
	}
	if _, err := Fit(randDense(rng, 3, 3), randDense(rng, 3, 1)); err == nil {
		t.Error("zero DOF accepted")
	}
	if _, err := FitWith(X, randDense(rng, 10, 1), FitOptions{Names: []string{"a"}}); err == nil {
		t.Error("name count mismatch accepted")
	}
}

func TestRidgeMatchesFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n, p, v := 200, 5, 4
	X := randDense(rng, n, p)
	Y := randDense(rng, n, v)
	const lam = 0.3
	res, err := FitWith(X, Y, FitOptions{Ridge: lam})
	if err != nil {
		t.Fatal(err)
	}
	// β = S (SXᵀXS + λI)⁻¹ S XᵀY
	s := make([]float64, p)
	for j := range s {
		s[j] = 1 / mat.Norm(X.ColView(j), 2)
	}
	xs := mat.DenseCopyOf(X)
	scaleCols(xs, s)
	var g, h, bs mat.Dense
	g.Mul(xs.T(), xs)
	for j := 0; j < p; j++ {
		g.Set(j, j, g.At(j, j)+lam)
	}
	h.Mul(xs.T(), Y)
	bs.Solve(&g, &h)
	for j := 0; j < p; j++ {
		for k := 0; k < v; k++ {
			bs.Set(j, k, bs.At(j, k)*s[j])
		}
	}
	if !mat.EqualApprox(res.Beta, &bs, 1e-10) {
		t.Errorf("ridge betas differ from the formula")
	}
	var r mat.Dense
	r.Mul(X, res.Beta)
	r.Sub(Y, &r)
	if d := maxAbsDiff(res.RSS, colSumSq(&r)); d > 1e-8 {
		t.Errorf("ridge RSS off by %v", d)
	}
	if _, err := res.T([]float64{1, 0, 0, 0, 0}); err == nil {
		t.Error("t contrast on a ridge fit accepted")
	}
}

func TestThresholds(t *testing.T) {
	tv, err := TThreshold(0.05, 1000000)
	if err != nil || math.Abs(tv-1.6449) > 1e-3 {
		t.Errorf("t threshold %v %v", tv, err)
	}
	fv, err := FThreshold(0.05, 1, 1000000)
	if err != nil || math.Abs(fv-3.8415) > 1e-2 { // F(1,∞) = χ²₁
		t.Errorf("F threshold %v %v", fv, err)
	}
	if _, err := TThreshold(0, 10); err == nil {
		t.Error("alpha 0 accepted")
	}
}
