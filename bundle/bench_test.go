package bundle

import (
	"testing"

	"fmriface/bundle/quant"
)

// bench5MB builds a bundle of about 5 MB shaped like the site's: a large q4
// matrix, a q8 decoder, f16 and f32 weights, voxel coordinates and labels.
func bench5MB(b *testing.B) []byte {
	w := NewWriter()
	w.SetProvenance(Provenance{Command: []string{"bench"}, Seed: 1, Subject: "sub-01", VoxelCount: 20000})
	add := func(name string, shape []int, k quant.Kind, seed uint64) {
		n, _ := quant.NumElements(shape)
		if err := w.AddFloat32(name, shape, randn(seed, n, 0.05), k); err != nil {
			b.Fatal(err)
		}
	}
	add("gen.fc.w", []int{4096, 1024}, quant.Q4, 1)
	add("dec.w", []int{1024, 1536}, quant.Q8, 2)
	add("gen.conv.w", []int{512, 1024}, quant.F16, 3)
	add("gen.bias", []int{64, 512}, quant.F32, 4)
	ijk := make([]int16, 60000)
	roi := make([]uint8, 20000)
	for i := range ijk {
		ijk[i] = int16(i % 97)
	}
	w.AddInt16("voxels.ijk", []int{20000, 3}, ijk)
	w.AddUint8("voxels.roi", []int{20000}, roi)
	data, err := w.Bytes()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkParse5MB verifies a 5 MB bundle: header, SHA-256 of the file,
// CRC32C of every tensor.
func BenchmarkParse5MB(b *testing.B) {
	data := bench5MB(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseDequantize5MB is what the app does on load: Parse, then
// dequantize every tensor into buffers it keeps.
func BenchmarkParseDequantize5MB(b *testing.B) {
	data := bench5MB(b)
	p, err := Parse(data, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	bufs := map[string][]float32{}
	for _, name := range p.Names() {
		if info, _ := p.Tensor(name); info.DType.IsFloat() {
			bufs[name] = make([]float32, info.NumElements())
		}
	}
	ijk, roi := make([]int16, 60000), make([]uint8, 20000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		p, err := Parse(data, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		for name, dst := range bufs {
			if err := p.Float32Into(name, dst); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Int16Into("voxels.ijk", ijk); err != nil {
			b.Fatal(err)
		}
		if err := p.Uint8Into("voxels.roi", roi); err != nil {
			b.Fatal(err)
		}
	}
}
