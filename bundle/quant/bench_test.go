package quant

import "testing"

// benchShape is the matrix every benchmark encodes: 1024 × 1024 Gaussian
// weights.
var benchShape = []int{1024, 1024}

// benchEncoded runs f as a sub-benchmark per encoding, with the matrix's
// values and its payload in that encoding; bytes/s count the float32 values.
func benchEncoded(b *testing.B, f func(b *testing.B, k Kind, data []float32, p []byte)) {
	data := randn(1, 1024*1024, 0.05)
	for _, k := range Kinds() {
		p, err := Encode(k, benchShape, data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(k.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(data)))
			f(b, k, data, p)
		})
	}
}

// BenchmarkDecode measures dequantization of the matrix per encoding.
func BenchmarkDecode(b *testing.B) {
	dst := make([]float32, 1024*1024)
	benchEncoded(b, func(b *testing.B, k Kind, _ []float32, p []byte) {
		for b.Loop() {
			if err := Decode(k, benchShape, p, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncode measures quantization of the matrix per encoding.
func BenchmarkEncode(b *testing.B) {
	benchEncoded(b, func(b *testing.B, k Kind, data []float32, _ []byte) {
		for b.Loop() {
			if _, err := Encode(k, benchShape, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAxpyRows measures Σ coef·row over the matrix read in place, as a
// page's first decode reads a decoder.
func BenchmarkAxpyRows(b *testing.B) {
	coef := randn(2, 1024, 1)
	dst := make([]float32, 1024)
	scratch := make([]float32, 1024)
	benchEncoded(b, func(b *testing.B, k Kind, _ []float32, p []byte) {
		for b.Loop() {
			if err := AxpyRows(k, benchShape, p, 0, 1024, coef, dst, scratch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
