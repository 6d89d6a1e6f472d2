package pca

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Seed corpus: testdata/fuzz/FuzzLoad (a valid model and broken variants).
// Run: nice -n 19 go test -run XXX -fuzz FuzzLoad -fuzztime=20s -parallel=1 ./face/pca/
func FuzzLoad(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add(npzWithHeader(f, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "m.npz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path)
		if err != nil {
			if !strings.Contains(err.Error(), "m.npz") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if err := m.check(); err != nil {
			t.Fatalf("Load accepted an inconsistent model: %v", err)
		}
		coef := make([]float32, m.K)
		m.Encode(make([]float32, m.D), coef)
	})
}
