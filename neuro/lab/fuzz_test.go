package lab

import (
	"testing"

	"fmriface/bundle"
)

// The lab's files come from the network: DecodeBase and AddPCA must reject
// any damage with an error, never panic or allocate without bound.
func FuzzDecodeBase(f *testing.F) {
	d, err := Synthetic(SyntheticSpec{Train: 40, K: 6, P: 4, Voxels: []int{20, 24}, Seed: 3})
	if err != nil {
		f.Fatal(err)
	}
	base, err := EncodeBase(d, DefaultEncodings(), bundle.Provenance{Command: []string{"fuzz"}})
	if err != nil {
		f.Fatal(err)
	}
	pca, err := EncodePCA(d, DefaultEncodings(), bundle.Provenance{Command: []string{"fuzz"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(base, pca)
	f.Add(base[:len(base)/2], pca[:10])
	f.Fuzz(func(t *testing.T, b, p []byte) {
		d, err := DecodeBase("fuzz.fmb", b)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("DecodeBase returned data that fail Validate: %v", err)
		}
		_ = d.AddPCA("fuzz-pca.fmb", p)
	})
}
