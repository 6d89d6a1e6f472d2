package handoff

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read as a subject file: it must return
// a subject or an error, never panic, and a subject it returns must be valid.
func FuzzRead(f *testing.F) {
	s, err := Synthetic(SyntheticOptions{Latent: 2, Voxels: 21, Test: 2, Subsets: 1, Imagery: 2})
	if err != nil {
		f.Fatal(err)
	}
	p := filepath.Join(f.TempDir(), FileName)
	if err := Write(p, s); err != nil {
		f.Fatal(err)
	}
	valid, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Read(p)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Read returned an invalid subject: %v", err)
		}
	})
}
