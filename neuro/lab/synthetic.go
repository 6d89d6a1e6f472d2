package lab

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SyntheticSpec sizes a synthetic data set.
type SyntheticSpec struct {
	Train, K, P int
	Voxels      []int // per subject
	Seed        uint64
}

// Synthetic makes a planted data set for tests and the app's TEST FIXTURE:
// Gaussian stimulus features, latents that are a fixed linear map of them
// plus independent parts, and voxels with random loadings. It is not a
// brain; the exporter writes the real lab data.
func Synthetic(s SyntheticSpec) (*Data, error) {
	if s.Train < 2 || s.K < 1 || s.P < 2 || len(s.Voxels) == 0 {
		return nil, fmt.Errorf("lab: synthetic data of %d faces, %d features, %d latent dimensions, %d subjects", s.Train, s.K, s.P, len(s.Voxels))
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x73796e7468657469))
	n := s.Train + TestFaces
	d := &Data{Train: s.Train, Test: TestFaces, K: s.K, P: s.P, NoiseUnit: 1, TestReps: 45, DriveKept: 1,
		Features: make([]float32, n*s.K), Latents: map[string][]float32{}}
	for i := range d.Features {
		d.Features[i] = float32(rng.NormFloat64())
	}
	for _, space := range []string{SpaceVAEGAN, SpacePCA} {
		c := make([]float64, s.K*s.P)
		for i := range c {
			c[i] = rng.NormFloat64() / math.Sqrt(float64(s.K))
		}
		z := make([]float32, n*s.P)
		for i := 0; i < n; i++ {
			f := d.Features[i*s.K : (i+1)*s.K]
			for c0 := 0; c0 < s.P; c0++ {
				v := 0.5 * rng.NormFloat64()
				for k, fv := range f {
					v += float64(fv) * c[k*s.P+c0]
				}
				z[i*s.P+c0] = float32(v)
			}
		}
		d.Latents[space] = z
	}
	for si, V := range s.Voxels {
		sub := Subject{Name: fmt.Sprintf("sub-%02d", si+1), Noise: 1 + 0.5*float64(si), ROI: make([]uint8, V), Load: make([]float32, s.K*V)}
		for v := range sub.ROI {
			sub.ROI[v] = uint8(1 + v*3/V)
		}
		for i := range sub.Load {
			sub.Load[i] = float32(0.3 * rng.NormFloat64())
		}
		d.Subjects = append(d.Subjects, sub)
	}
	return d, d.Validate()
}
