package glm

import (
	"math/rand/v2"
	"testing"
)

// benchFit fits the TOOLCHAIN.md reference problem, X 8000×1025 → Y 8000×V
// (compare with trainer/bench/sklearn/run.sh, which times scikit-learn on it).
func benchFit(b *testing.B, v int) {
	rng := rand.New(rand.NewPCG(1, 2))
	X := randDense(rng, 8000, 1025)
	Y := randDense(rng, 8000, v)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Fit(X, Y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitOLS_V5000(b *testing.B)  { benchFit(b, 5000) }
func BenchmarkFitOLS_V20000(b *testing.B) { benchFit(b, 20000) }

// BenchmarkDesignFit_40Runs is a realistic design: 40 runs of 195 scans,
// face events with 1024 modulators, fixation, motion and high-pass per run
// (1026 task + 40×13 nuisance columns), 5000 voxels, fitted through the
// nuisance projection.
func BenchmarkDesignFit_40Runs(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	runs := smallRuns(rng, 40, 195, 1024)
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		b.Fatal(err)
	}
	Y := randDense(rng, d.NumScans(), 5000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Fit(Y, FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildDesign_40Runs(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	runs := smallRuns(rng, 40, 195, 1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := BuildDesign(runs, DesignOptions{TR: 2}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFTest_1024of1026(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	X := randDense(rng, 8000, 1026)
	Y := randDense(rng, 8000, 5000)
	res, err := Fit(X, Y)
	if err != nil {
		b.Fatal(err)
	}
	cols := make([]int, 1024)
	for i := range cols {
		cols[i] = i + 1
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := res.F(cols); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRidgeCV_8Folds: X 8000×1025, 5000 voxels, 8 folds, the default
// 10-value λ grid (one eigendecomposition per fold), plus the final fit.
func BenchmarkRidgeCV_8Folds(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	X := randDense(rng, 8000, 1025)
	Y := randDense(rng, 8000, 5000)
	groups := make([]int, 8000)
	for i := range groups {
		groups[i] = i / 1000
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := RidgeCV(X, Y, groups, RidgeCVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
