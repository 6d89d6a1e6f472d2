package lab

import (
	"testing"
	"time"
)

// BenchmarkRun times runs at the lab data's real sizes (1,024 latent
// dimensions, 128 features, 4,400 voxels) on synthetic values: the default
// design and the largest, in wall and CPU seconds (the CPU time is the
// fairer measure on a shared machine), and the longest single step, in wall
// time (an upper bound under load) and in CPU time (what a frame waits for
// on an idle core). Under WebAssembly:
//
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test -run - -bench Run ./neuro/lab
func BenchmarkRun(b *testing.B) {
	d, err := Synthetic(SyntheticSpec{Train: 8000, K: 128, P: 1024, Voxels: []int{4400}, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var shared Cache
	for _, bc := range []struct {
		name  string
		cfg   Config
		cache *Cache
	}{
		{"default", DefaultConfig("sub-01"), &shared},
		{"largest", Config{Subject: "sub-01", Space: SpaceVAEGAN, Train: 8000, Reps: MaxReps, Noise: 1,
			Region: "all", Decoder: DecoderRidge, Lambda: 1, Seed: 1}, nil},
		// After "default", another noise level reuses its fit and arrays (Cache).
		{"rerun", DefaultConfig("sub-01").SetKnob(KnobNoise, 12), &shared},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c0, ok := cpuTime()
			var longest, longestCPU time.Duration
			for i := 0; i < b.N; i++ {
				j, err := NewJob(d, bc.cfg, bc.cache)
				if err != nil {
					b.Fatal(err)
				}
				for {
					t0 := time.Now()
					s0, _ := cpuTime()
					done := j.Step()
					s1, _ := cpuTime()
					longest = max(longest, time.Since(t0))
					longestCPU = max(longestCPU, s1-s0)
					if done {
						break
					}
				}
				if _, err := j.Result(); err != nil {
					b.Fatal(err)
				}
			}
			if c1, _ := cpuTime(); ok {
				b.ReportMetric((c1-c0).Seconds()/float64(b.N), "cpu-s/op")
			}
			b.ReportMetric(float64(longest.Microseconds())/1000, "max-step-ms")
			if ok {
				b.ReportMetric(float64(longestCPU.Microseconds())/1000, "max-step-cpu-ms")
			}
		})
	}
}
