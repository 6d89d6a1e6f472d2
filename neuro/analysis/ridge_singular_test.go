package analysis

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/glm"
)

// singularFoldDesign is a small design like a few runs' face regressors:
// every column is nonzero in one group's rows only, so holding that group
// out leaves the column empty and the training Gram singular at λ = 0.
func singularFoldDesign() (X, Y *mat.Dense, groups []int) {
	rng := rand.New(rand.NewPCG(8, 9))
	const n, p, v, g = 120, 8, 30, 4
	X = mat.NewDense(n, p, nil)
	Y = mat.NewDense(n, v, nil)
	groups = make([]int, n)
	for i := 0; i < n; i++ {
		groups[i] = i / (n / g)
		for j := 0; j < p; j++ {
			if j%g == groups[i] {
				X.Set(i, j, rng.NormFloat64())
			}
		}
		for k := 0; k < v; k++ {
			Y.Set(i, k, rng.NormFloat64())
		}
	}
	return X, Y, groups
}

// The ridge CV on a design whose folds are singular at some λ skips those λ
// (instead of giving them +Inf, which JSON cannot hold), and fails with a
// clear error when every λ is singular.
func TestRidgeSkipsSingularLambdas(t *testing.T) {
	X, Y, groups := singularFoldDesign()
	ols, err := glm.Fit(X, Y)
	if err != nil {
		t.Fatal(err)
	}
	G, H := crossProducts(X, ols.Beta)
	cases := []struct {
		name    string
		lambdas []float64
		skipped []float64
		err     string
	}{
		{"grid with 0", RidgeLambdas(), []float64{0}, ""},
		{"0 only", []float64{0}, nil, "every λ of [0] gives a singular training Gram matrix"},
		{"no 0", []float64{0.1, 1, 10}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ridgeFromOLS(X, Y, G, H, groups, 0, c.lambdas, 0, 1)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Skipped, c.skipped) {
				t.Errorf("skipped %v, want %v", got.Skipped, c.skipped)
			}
			if len(got.Lambdas)+len(got.Skipped) != len(c.lambdas) || len(got.CVError) != len(got.Lambdas) {
				t.Errorf("%d λ kept, %d errors, %d skipped of %d", len(got.Lambdas), len(got.CVError), len(got.Skipped), len(c.lambdas))
			}
			for i, e := range got.CVError {
				if math.IsInf(e, 0) || math.IsNaN(e) {
					t.Errorf("λ %g: CV error %v", got.Lambdas[i], e)
				}
			}
			if !(got.Lambda > 0) || !slices.Contains(got.Lambdas, got.Lambda) {
				t.Errorf("chose λ %g of %v", got.Lambda, got.Lambdas)
			}
			mr := ModelResult{Name: "vaegan", Lambda: got.Lambda, Lambdas: got.Lambdas, CVError: got.CVError, RidgeSkipped: got.Skipped}
			if _, err := json.Marshal(mr); err != nil {
				t.Errorf("the model result does not marshal: %v", err)
			}
		})
	}
}

// A results record with an infinite CV error is refused with an error that
// names the model and the λ, before JSON marshalling would fail on it.
func TestResultRejectsInfiniteCVError(t *testing.T) {
	r := &SubjectResult{TestImages: make([]string, 2), TestKeys: []string{"a", "b"}, TestMale: []bool{true, false},
		Models: []ModelResult{{Name: "vaegan", L: 1, TrueTest: [][]float64{{0}, {1}},
			Lambdas: []float64{0, 1}, CVError: []float64{math.Inf(1), 2}}}}
	err := r.validate()
	if err == nil || !strings.Contains(err.Error(), "model vaegan: ridge CV error of λ 0 is +Inf") {
		t.Fatalf("error %v", err)
	}
	r.Models[0].Lambdas, r.Models[0].CVError, r.Models[0].RidgeSkipped = []float64{1}, []float64{2}, []float64{0}
	if err := r.validate(); err != nil {
		t.Fatal(err)
	}
}
