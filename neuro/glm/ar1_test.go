package glm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestAR1 simulates null voxels with AR(1) noise: with ρ = 0.5, OLS t values
// of the face regressor are too spread (variance > 1) and the pre-whitened
// ones are not; ρ comes back (also ρ = 0, white noise).
func TestAR1(t *testing.T) {
	for _, rho := range []float64{0.5, 0} {
		testAR1(t, rho)
	}
}

func testAR1(t *testing.T, rho float64) {
	rng := rand.New(rand.NewPCG(31, 32))
	const nRuns, nScans, v = 8, 150, 400
	runs := smallRuns(rng, nRuns, nScans, 2)
	for r := range runs {
		runs[r].Confounds = nil
	}
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	n := d.NumScans()
	Y := mat.NewDense(n, v, nil)
	for k := 0; k < v; k++ {
		for r := 0; r < nRuns; r++ {
			e := rng.NormFloat64() / math.Sqrt(1-rho*rho)
			for i := r * nScans; i < (r+1)*nScans; i++ {
				e = rho*e + rng.NormFloat64()
				Y.Set(i, k, e)
			}
		}
	}
	raw, err := d.EstimateAR1(Y, 0, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	est, err := d.EstimateAR1(Y, 0, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if raw > est || math.Abs(est-rho) > 0.05 {
		t.Errorf("estimated ρ %v (raw OLS residuals %v), true %v", est, raw, rho)
	}
	ols, err := d.Fit(Y, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	y0 := mat.DenseCopyOf(Y)
	ar, rhoHat, err := d.FitAR1(Y, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(Y, y0) || rhoHat != est {
		t.Error("FitAR1 modified Y or used another ρ")
	}
	c := make([]float64, len(d.TaskNames))
	c[0] = 1
	variance := func(r *Result) float64 {
		tt, err := r.T(c)
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, x := range tt {
			s += x * x
		}
		return s / float64(len(tt))
	}
	vo, va := variance(ols), variance(ar)
	t.Logf("var(t): OLS %.2f, AR(1) %.2f; ρ̂ = %.3f (raw %.3f)", vo, va, est, raw)
	if rho > 0 && vo < 1.3 {
		t.Errorf("OLS t variance %v: the test does not exercise autocorrelation", vo)
	}
	if va < 0.8 || va > 1.2 {
		t.Errorf("AR(1) t variance %v, want ≈ 1", va)
	}
	for _, bad := range []float64{1, -1, math.NaN()} {
		if _, err := d.WhitenAR1(bad); err == nil {
			t.Errorf("ρ = %v accepted", bad)
		}
	}
}
