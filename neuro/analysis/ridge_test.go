package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/glm"
)

// ridgeFromOLS must agree with glm.RidgeCV, which it replaces for speed.
func TestRidgeFromOLSMatchesGLM(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, p, v = 240, 12, 50
	X := mat.NewDense(n, p, nil)
	Y := mat.NewDense(n, v, nil)
	W := mat.NewDense(p, v, nil)
	for i := range X.RawMatrix().Data {
		X.RawMatrix().Data[i] = rng.NormFloat64() * float64(1+i%p)
	}
	for i := range W.RawMatrix().Data {
		W.RawMatrix().Data[i] = rng.NormFloat64()
	}
	Y.Mul(X, W)
	for i := range Y.RawMatrix().Data {
		Y.RawMatrix().Data[i] += 20 * rng.NormFloat64()
	}
	groups := make([]int, n)
	for i := range groups {
		groups[i] = i / 40 // 6 "runs"
	}
	lambdas := RidgeLambdas()
	for _, c := range []struct{ folds, maxV int }{{2, 0}, {3, 20}, {0, 0}} {
		want, err := glm.RidgeCV(X, Y, groups, glm.RidgeCVOptions{Lambdas: lambdas, Folds: c.folds, MaxVoxels: max(c.maxV, -1), Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		ols, err := glm.Fit(X, Y)
		if err != nil {
			t.Fatal(err)
		}
		G, H := crossProducts(X, ols.Beta)
		got, err := ridgeFromOLS(X, Y, G, H, groups, c.folds, lambdas, c.maxV, 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("folds %d: λ %g", c.folds, got.Lambda)
		if got.Lambda != want.Lambda {
			t.Errorf("folds %d: λ %g, glm %g", c.folds, got.Lambda, want.Lambda)
		}
		for i := range lambdas {
			if d := math.Abs(got.CVError[i] - want.CVError[i]); d > 1e-8*want.CVError[i] {
				t.Errorf("folds %d λ %g: CV error %.10g, glm %.10g", c.folds, lambdas[i], got.CVError[i], want.CVError[i])
			}
		}
		if !mat.EqualApprox(got.Beta, want.Beta, 1e-8) {
			t.Errorf("folds %d: betas differ from glm's", c.folds)
		}
	}
}
