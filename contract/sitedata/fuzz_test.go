package sitedata_test

import (
	"strings"
	"testing"

	"fmriface/contract/sitedata"
)

// The seed corpus in testdata/fuzz/FuzzParseIndex holds a valid index
// written by site/fixture.
func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"format":"fmriface-site/1"}`))
	f.Add([]byte(good))
	f.Add([]byte(strings.Replace(good, `"n_voxels":3}]`, `"n_voxels":3}],"real":{"file":"realbrain.4.fmb","bytes":9000,"sha256":"`+shaD+`"}`, 1)))
	f.Add([]byte(withPCA))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := sitedata.ParseIndex(data)
		if err != nil {
			return
		}
		if err := ix.Validate(); err != nil {
			t.Fatalf("parsed index fails Validate: %v", err)
		}
		enc, err := ix.Encode()
		if err != nil {
			t.Fatalf("a parsed index does not encode: %v", err)
		}
		if _, err := sitedata.ParseIndex(enc); err != nil && len(enc) <= sitedata.MaxIndexSize {
			t.Fatalf("an encoded index does not parse: %v", err)
		}
	})
}
