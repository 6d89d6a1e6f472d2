package app_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

// The seed corpora in testdata/fuzz hold a valid index and small valid
// bundles written by site/fixture (tiny model, 2 faces, a few voxels).

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"format":"fmriface-site/1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := app.ParseIndex(data)
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
		s, err := app.LoadSubject("fuzz.fmb", data, 16)
		if err != nil {
			return
		}
		// Whatever loads must be usable: every region's decoder reads inside
		// every pattern, and the mosaic draws each of them.
		m := app.NewMosaic(s)
		for k := range app.NumROIs {
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

func FuzzLoadModel(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := app.LoadModel("fuzz.fmb", data)
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

// FuzzAddRegions feeds regions files to a valid subject that waits for its
// own (the seed, written by site/fixture at start-up).
func FuzzAddRegions(f *testing.F) {
	dir := f.TempDir()
	ix, err := fixture.Write(dir, fixture.Options{Subjects: 1, Voxels: 24, Faces: 2, Seed: 3})
	if err != nil {
		f.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	m, err := app.LoadModel(ix.Generator.File, read(ix.Generator.File))
	if err != nil {
		f.Fatal(err)
	}
	ref := ix.Subjects[0]
	core := read(ref.File)
	f.Add(read(ref.Regions.File))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := app.LoadSubject(ref.File, core, m.Latent())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddRegions("fuzz.fmb", data); err != nil {
			if !s.RegionsPending() || s.ROIs[1].Loaded() {
				t.Fatalf("a failed AddRegions changed the subject: %v", err)
			}
			return
		}
		for k := range app.NumROIs {
			roi := &s.ROIs[k]
			rows := roi.Rows(0, len(roi.Index), s.L, make([]float32, len(roi.Index)*s.L))
			for i, v := range rows {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("region %s: decoder value %d is %v", roi.Name, i, v)
				}
			}
		}
	})
}
