package site_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/site/fixture"
)

// The seed corpus in testdata/fuzz/FuzzLoadModel holds a small generator
// bundle written by site/fixture (tiny model).

func FuzzLoadModel(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := site.LoadModel("fuzz.fmb", data)
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
	m, err := site.LoadModel(ix.Generator.File, read(ix.Generator.File))
	if err != nil {
		f.Fatal(err)
	}
	ref := ix.Subjects[0]
	core := read(ref.File)
	f.Add(read(ref.Regions.File))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := site.LoadSubject(ref.File, core, m.Latent())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddRegions("fuzz.fmb", data); err != nil {
			if !s.RegionsPending() || s.ROIs[1].Loaded() {
				t.Fatalf("a failed AddRegions changed the subject: %v", err)
			}
			return
		}
		for k := range sitedata.NumROIs {
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
