package lab

import (
	"context"
	"testing"
)

// goldenRun is the run both TestGolden builds check: natively and under
// WebAssembly (GOOS=js GOARCH=wasm, run by Node) the same seed and settings
// must give bit-identical decoded latents and the same scores.
func goldenRun(t *testing.T) *Result {
	t.Helper()
	d, err := Synthetic(SyntheticSpec{Train: 400, K: 48, P: 64, Voxels: []int{300}, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Subject: "sub-01", Space: SpaceVAEGAN, Train: 380, Reps: 8, Noise: 12, Region: "all",
		Voxels: 250, Decoder: DecoderRidge, Lambda: 0.1, Seed: 2026}
	res, err := Run(context.Background(), d, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The recorded outcome of goldenRun (recorded natively on linux/amd64).
const (
	goldenHash     = "176ba78cff1acfaa"
	goldenPairwise = 346
	goldenOneOf    = 9
)

func TestGolden(t *testing.T) {
	res := goldenRun(t)
	got := res.Digest()
	t.Logf("hash %s, pairwise %d, 1-of-20 %d, p %.6g", got, res.Pairwise.Correct, res.OneOf.Correct, res.PairwiseP)
	if got != goldenHash || res.Pairwise.Correct != goldenPairwise || res.OneOf.Correct != goldenOneOf {
		t.Errorf("decoded latents %s, pairwise %d, 1-of-20 %d; recorded %s, %d, %d", got, res.Pairwise.Correct, res.OneOf.Correct, goldenHash, goldenPairwise, goldenOneOf)
	}
}
