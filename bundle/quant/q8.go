package quant

import (
	"encoding/binary"
	"math"
)

// Q8 layout: rows float32 scales, then rows×cols int8 values, row-major.
// Value = scale[r]·q. The encoder uses scale = max|row|/127 (one float32
// step lower where 127·scale would overflow) and q = round(x/scale) (half
// away from zero), so |x − value| ≤ scale/2 and −128 is never written; a
// reader decodes it like any other value.

func encodeQ8(out []byte, rows, cols int, data, floor []float32) {
	q := out[4*rows:]
	for r := 0; r < rows; r++ {
		row := data[r*cols : (r+1)*cols]
		var m float64
		for _, v := range row {
			m = math.Max(m, math.Abs(float64(v)))
		}
		scale := float32(m / 127)
		// Near the top of float32's range, 127·scale can round past it;
		// one step down keeps every decoded value finite.
		for math.IsInf(float64(float32(float64(scale)*127)), 0) {
			scale = math.Nextafter32(scale, 0)
		}
		if floor != nil && scale < floor[r] {
			scale = floor[r] // |x|/scale ≤ 127 still: no value is clipped
		}
		binary.LittleEndian.PutUint32(out[4*r:], math.Float32bits(scale))
		if scale == 0 {
			continue // an all-zero row (or one below float32's range): q stays 0
		}
		inv := 1 / float64(scale)
		for c, v := range row {
			x := math.Round(float64(v) * inv)
			q[r*cols+c] = byte(int8(max(-127, min(127, x))))
		}
	}
}

func decodeQ8(dst []float32, rows, cols int, p []byte) {
	decodeQ8Rows(dst, cols, p[:4*rows], p[4*rows:])
}

// decodeQ8Rows decodes len(scales)/4 rows whose scales and values start at
// the given slices.
func decodeQ8Rows(dst []float32, cols int, scales, q []byte) {
	for r := 0; r < len(scales)/4; r++ {
		s := math.Float32frombits(binary.LittleEndian.Uint32(scales[4*r:]))
		row := dst[r*cols : (r+1)*cols]
		qr := q[r*cols : (r+1)*cols]
		for c := range row {
			row[c] = s * float32(int8(qr[c]))
		}
	}
}
