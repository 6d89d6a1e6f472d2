package app_test

import (
	"testing"

	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/wasm/app"
)

// The seed corpus in testdata/fuzz/FuzzLoadSubject holds a small valid
// subject bundle written by site/fixture (2 faces, a few voxels). The fuzz
// tests of index.json and of the other loaders are in packages
// contract/sitedata and infer/site.

// FuzzLoadSubject checks that whatever subject bundle infer/site loads, the
// app can decode from it and draw its mosaic.
func FuzzLoadSubject(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := site.LoadSubject("fuzz.fmb", data, 16)
		if err != nil {
			return
		}
		// Whatever loads must be usable: every region's decoder reads inside
		// every pattern, and the mosaic draws each of them.
		m := app.NewMosaic(s)
		for k := range sitedata.NumROIs {
			roi := &s.ROIs[k]
			if !roi.Loaded() {
				if k == 0 || !s.RegionsPending() {
					t.Fatalf("region %s has no decoder, but the subject does not wait for its regions file", roi.Name)
				}
				continue
			}
			if len(roi.Mean) != s.L {
				t.Fatalf("region %s: latent mean of %d values, latent %d", roi.Name, len(roi.Mean), s.L)
			}
			for subset := -1; subset < s.R(); subset++ {
				p := s.Pattern(subset, s.N-1)
				m.Paint(p, k)
				z := roi.Mean[s.L-1]
				rows := roi.Rows(0, len(roi.Index), s.L, make([]float32, len(roi.Index)*s.L))
				for r, v := range roi.Index {
					z += p[v] * rows[r*s.L+s.L-1]
				}
				_ = z
			}
		}
		_ = s.Latent(s.N - 1)
		_ = s.ImageryLatent(s.ImageryTarget)
	})
}
