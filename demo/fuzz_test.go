package demo_test

import (
	"testing"

	"fmriface/demo"
)

// The seed corpora in testdata/fuzz hold a valid index and small valid
// bundles written by demo/fixture (tiny model, 2 faces, a few voxels).

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"format":"fmriface-site/1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := demo.ParseIndex(data)
		if err != nil {
			return
		}
		if err := ix.Validate(); err != nil {
			t.Fatalf("parsed index fails Validate: %v", err)
		}
	})
}

func FuzzLoadSubject(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := demo.LoadSubject("fuzz.fmb", data, 16)
		if err != nil {
			return
		}
		// Whatever loads must be usable: every region's decoder reads inside
		// every pattern, and the mosaic draws each of them.
		m := demo.NewMosaic(s)
		for k := range demo.NumROIs {
			roi := &s.ROIs[k]
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

func FuzzLoadModel(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := demo.LoadModel("fuzz.fmb", data)
		if err != nil {
			return
		}
		if m.Cfg.GenMACs() > 1<<24 {
			return // a valid but big model: generating it is not the point here
		}
		z := make([]float32, m.Latent())
		img := make([]float32, 3*m.ImageSize()*m.ImageSize())
		if err := m.Gen.Generate(z, img); err != nil {
			t.Fatal(err)
		}
	})
}
