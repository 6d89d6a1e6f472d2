package lab

import (
	"context"
	"testing"
)

// BenchmarkRun times runs at the lab data's real sizes (1,024 latent
// dimensions, 128 features, 4,400 voxels) on synthetic values: the default
// design and the largest. Under WebAssembly:
//
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test -run - -bench Run ./neuro/lab
func BenchmarkRun(b *testing.B) {
	d, err := Synthetic(SyntheticSpec{Train: 8000, K: 128, P: 1024, Voxels: []int{4400}, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"default", DefaultConfig("sub-01")},
		{"largest", Config{Subject: "sub-01", Space: SpaceVAEGAN, Train: 8000, Reps: MaxReps, Noise: 1,
			Region: "all", Decoder: DecoderRidge, Lambda: 1, Seed: 1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Run(context.Background(), d, bc.cfg, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
