package app_test

import (
	"math/rand/v2"
	"testing"

	"fmriface/wasm/app"
)

// statsInputs returns n decoded and n true latents of length l.
func statsInputs(n, l int) (zhat, z []float32) {
	rng := rand.New(rand.NewPCG(19, 20))
	zhat, z = make([]float32, n*l), make([]float32, n*l)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
		zhat[i] = 0.5*z[i] + float32(rng.NormFloat64())
	}
	return zhat, z
}

// The results panel's statistics allocate nothing (the caller owns r and
// perFace).
func TestStatsAllocateNothing(t *testing.T) {
	const n, l = 20, 1024
	zhat, z := statsInputs(n, l)
	r, per := make([]float64, n*n), make([]int, n)
	if allocs := testing.AllocsPerRun(20, func() {
		app.CorrMatrix(zhat, z, n, l, r)
		app.Pairwise(r, n, per)
		app.Pearson(zhat[:l], z[:l])
	}); allocs != 0 {
		t.Errorf("CorrMatrix, Pairwise and Pearson allocate %v times per call", allocs)
	}
	if c, total := app.Pairwise(r, n, per); total != n*(n-1) || c < total*9/10 {
		t.Errorf("pairwise %d of %d on correlated latents", c, total)
	}
}

// BenchmarkResults is the statistics of the results panel for 20 faces of
// 1024 latent dimensions.
func BenchmarkResults(b *testing.B) {
	const n, l = 20, 1024
	zhat, z := statsInputs(n, l)
	r, per := make([]float64, n*n), make([]int, n)
	b.ReportAllocs()
	for b.Loop() {
		app.CorrMatrix(zhat, z, n, l, r)
		app.Pairwise(r, n, per)
	}
}
