package bundle

import (
	"bytes"
	"slices"
	"testing"

	"fmriface/bundle/quant"
)

// fuzzLimits keep each fuzz input cheap while leaving every check reachable.
func fuzzLimits() Limits {
	return Limits{MaxFileSize: 1 << 20, MaxTensors: 64, MaxMeta: 64, MaxNameLen: 64, MaxStringLen: 1 << 12, MaxArrayLen: 1 << 10, MaxElements: 1 << 16}
}

// FuzzParse feeds arbitrary bytes to the reader twice: as they are, and with
// the header CRC and SHA-256 repaired and the tensor CRCs unchecked, so that
// mutations reach the structural checks behind the checksums. Whatever it
// accepts must decode, and must be canonical: rewriting it with Writer gives
// the same bytes.
func FuzzParse(f *testing.F) {
	f.Add(testBundle(f))
	w := NewWriter()
	w.SetMeta("k", "v")
	w.AddFloat32("x", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}, quant.Q8)
	small, _ := w.Bytes()
	f.Add(small)
	// A version 2 file: a q3 tensor.
	w = NewWriter()
	w.AddFloat32("q", []int{2, 40}, make([]float32, 80), quant.Q3)
	v2, _ := w.Bytes()
	f.Add(v2)
	f.Add(emptyBundle(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := fuzzLimits()
		if b, err := Parse(data, lim); err == nil {
			exercise(t, b)
			if again := rewrite(t, b); !bytes.Equal(again, data) {
				t.Fatalf("accepted a non-canonical file: rewriting %d bytes gives %d different bytes", len(data), len(again))
			}
		}
		d := reseal(bytes.Clone(data))
		if b, err := parse(d, lim, false); err == nil {
			exercise(t, b)
			again := rewrite(t, b)
			if _, err := Parse(again, lim); err != nil {
				t.Fatalf("rewrite of an accepted file fails to parse: %v", err)
			}
		}
	})
}

func emptyBundle(t testing.TB) []byte {
	b, err := NewWriter().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exercise reads everything a parsed bundle offers.
func exercise(t *testing.T, b *Bundle) {
	for _, k := range b.MetaKeys() {
		if _, ok := b.Meta(k); !ok {
			t.Fatalf("key %q listed but missing", k)
		}
	}
	b.Provenance()
	for _, name := range b.Names() {
		info, err := b.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		n := info.NumElements()
		var got int
		switch info.DType {
		case I16:
			x, err := b.Int16(name)
			if err != nil {
				t.Fatal(err)
			}
			got = len(x)
		case U8:
			x, err := b.Uint8(name)
			if err != nil {
				t.Fatal(err)
			}
			got = len(x)
		case I32:
			x, err := b.Int32(name)
			if err != nil {
				t.Fatal(err)
			}
			got = len(x)
		default:
			x, err := b.Float32(name)
			if err != nil {
				t.Fatal(err)
			}
			got = len(x)
		}
		if got != n {
			t.Fatalf("%s: %d values for %d elements", name, got, n)
		}
	}
}

// rewrite writes b's content again with a Writer, copying the tensors'
// stored bytes.
func rewrite(t *testing.T, b *Bundle) []byte {
	w := NewWriter()
	w.lim = fuzzLimits()
	for _, k := range b.MetaKeys() {
		v, _ := b.Meta(k)
		if err := w.SetMeta(k, v); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
	}
	for _, name := range b.Names() {
		info, _ := b.Tensor(name)
		raw, _ := b.Raw(name)
		if err := w.addRaw(name, info.DType, info.Shape, slices.Clone(raw)); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
	}
	out, err := w.Bytes()
	if err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	return out
}
