package quant

import (
	"math"
	"testing"
)

// FuzzDecode decodes arbitrary payloads under arbitrary small shapes: it must
// fail cleanly on a wrong size and never panic. When the size is right and
// the values finite, re-encoding must reproduce values within the encoding's
// error bound.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(Q4), uint16(2), uint16(3), []byte{0, 0x30, 0, 0x38, 0x84, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0xf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(Q8), uint16(1), uint16(3), []byte{0, 0, 0x80, 0x3f, 0x7f, 0xc0, 0})
	f.Add(uint8(F16), uint16(1), uint16(2), []byte{0, 0x3c, 0, 0xc0})
	f.Add(uint8(Q4F32), uint16(1), uint16(33), make([]byte, 40))
	f.Add(uint8(Q3), uint16(1), uint16(4), []byte{0x00, 0x3c, 0x17, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0})
	f.Fuzz(func(t *testing.T, kind uint8, rows, cols uint16, payload []byte) {
		k := Kind(kind)
		shape := []int{int(rows % 64), int(cols % 512)}
		dst := make([]float32, shape[0]*shape[1])
		if err := Decode(k, shape, payload, dst); err != nil {
			return
		}
		checkRowsAndFinite(t, k, shape, payload, dst)
		checkAxpy(t, k, shape, payload, dst)
		if k == F32 || k == F16 {
			return // bit patterns round-trip or are NaN; covered by the unit tests
		}
		for _, v := range dst {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return // a fuzzed scale may be NaN or Inf
			}
		}
		again, err := RoundTrip(k, shape, dst)
		if err != nil {
			if k == Q4 || k == Q3 {
				return // a fuzzed float32 scale may overflow float16
			}
			t.Fatal(err)
		}
		maxAbs, _, _ := Error(dst, again)
		var m float64
		for _, v := range dst {
			m = math.Max(m, math.Abs(float64(v)))
		}
		// Q4 stores block scales as float16: below float16's normal range the
		// scale itself is quantized in steps of 2⁻²⁴, which can move a value by
		// a few such steps (the spec documents this floor).
		slack, bound := 1e-30, m/7
		if k == Q4 || k == Q3 {
			slack = 8 * math.Ldexp(1, -24)
		}
		if k == Q3 {
			// A block whose extreme is −4 steps re-encodes with the
			// extreme as +3: a clipped value, as in TestErrorBounds.
			bound = m / 4 * (1 + 2e-3)
		}
		if maxAbs > bound+slack {
			t.Fatalf("%v %v: re-encoding moved a value by %g (largest value %g)", k, shape, maxAbs, m)
		}
	})
}

// checkRowsAndFinite checks DecodeRows and FirstNonFinite against a whole
// Decode: rows decoded in two blocks give the same bits, and the first
// non-finite value is found at the same index.
func checkRowsAndFinite(t *testing.T, k Kind, shape []int, payload []byte, dst []float32) {
	t.Helper()
	rows, cols := shape[0], shape[1]
	mid := rows / 2
	got := make([]float32, len(dst))
	if err := DecodeRows(k, shape, payload, 0, mid, got[:mid*cols]); err != nil {
		t.Fatal(err)
	}
	if err := DecodeRows(k, shape, payload, mid, rows, got[mid*cols:]); err != nil {
		t.Fatal(err)
	}
	for i := range dst {
		if math.Float32bits(got[i]) != math.Float32bits(dst[i]) {
			t.Fatalf("%v %v: DecodeRows value %d = %v, Decode %v", k, shape, i, got[i], dst[i])
		}
	}
	want := -1
	for i, v := range dst {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			want = i
			break
		}
	}
	if i, err := FirstNonFinite(k, shape, payload); err != nil || i != want {
		t.Fatalf("%v %v: FirstNonFinite = %d, %v; the decoded values say %d", k, shape, i, err, want)
	}
}

// checkAxpy checks AxpyRows against the decoded matrix dst: rows [1, rows)
// with coefficients 1, −0.5, 2, … added to a row of ones, within float32
// rounding of the terms' magnitudes, and bit for bit as the same rows added
// one call at a time. Matrices with non-finite or huge values
// are skipped (their sums overflow either way).
func checkAxpy(t *testing.T, k Kind, shape []int, payload []byte, dst []float32) {
	t.Helper()
	rows, cols := shape[0], shape[1]
	if rows < 1 || cols < 1 {
		return
	}
	for _, v := range dst {
		if !(math.Abs(float64(v)) < 1e30) {
			return
		}
	}
	coef := make([]float32, rows-1)
	for i := range coef {
		coef[i] = []float32{1, -0.5, 2}[i%3]
	}
	got := make([]float32, cols)
	for j := range got {
		got[j] = 1
	}
	if err := AxpyRows(k, shape, payload, 1, rows, coef, got, make([]float32, cols)); err != nil {
		t.Fatalf("%v %v: AxpyRows: %v", k, shape, err)
	}
	// Rows go four at a time, yet each value adds them in row order: the
	// same bits as one row per call.
	seq := make([]float32, cols)
	for j := range seq {
		seq[j] = 1
	}
	for r, c := range coef {
		if err := AxpyRows(k, shape, payload, r+1, r+2, []float32{c}, seq, make([]float32, cols)); err != nil {
			t.Fatalf("%v %v: AxpyRows of row %d: %v", k, shape, r+1, err)
		}
	}
	for j := range got {
		if math.Float32bits(got[j]) != math.Float32bits(seq[j]) {
			t.Fatalf("%v %v: AxpyRows column %d = %v, one row at a time %v", k, shape, j, got[j], seq[j])
		}
	}
	for j := range got {
		want, mag := 1.0, 1.0
		for r, c := range coef {
			x := float64(c) * float64(dst[(r+1)*cols+j])
			want += x
			mag += math.Abs(x)
		}
		if math.Abs(float64(got[j])-want) > 1e-5*mag {
			t.Fatalf("%v %v: AxpyRows column %d = %v, want %v", k, shape, j, got[j], want)
		}
	}
}
