package quant

import "testing"

// BenchmarkDecode measures dequantization of a 1024×1024 matrix per
// encoding; bytes/s count the float32 output.
func BenchmarkDecode(b *testing.B) {
	shape := []int{1024, 1024}
	data := randn(1, 1024*1024, 0.05)
	dst := make([]float32, len(data))
	for _, k := range Kinds() {
		p, err := Encode(k, shape, data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(k.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(data)))
			for b.Loop() {
				if err := Decode(k, shape, p, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode measures quantization of a 1024×1024 matrix per encoding.
func BenchmarkEncode(b *testing.B) {
	shape := []int{1024, 1024}
	data := randn(1, 1024*1024, 0.05)
	for _, k := range Kinds() {
		b.Run(k.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(data)))
			for b.Loop() {
				if _, err := Encode(k, shape, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAxpyRows measures Σ coef·row over a 1024×1024 matrix read in
// place, as a page's first decode reads a decoder; bytes/s count the
// float32 values the rows hold.
func BenchmarkAxpyRows(b *testing.B) {
	shape := []int{1024, 1024}
	data := randn(1, 1024*1024, 0.05)
	coef := randn(2, 1024, 1)
	dst := make([]float32, 1024)
	scratch := make([]float32, 1024)
	for _, k := range Kinds() {
		p, err := Encode(k, shape, data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(k.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(data)))
			for b.Loop() {
				if err := AxpyRows(k, shape, p, 0, 1024, coef, dst, scratch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
