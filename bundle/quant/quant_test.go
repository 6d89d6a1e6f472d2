package quant

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randn returns n normal samples, deterministically.
func randn(seed uint64, n int, scale float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

func TestKnownPayloads(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		shape []int
		data  []float32
		want  []byte
	}{
		{"f32", F32, []int{2}, []float32{1, -2}, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}},
		{"f16", F16, []int{2}, []float32{1, -2}, []byte{0, 0x3c, 0, 0xc0}},
		// scale 1 (float32 LE), then 127, round(-63.5) = -64 (half away from zero), 0.
		{"q8", Q8, []int{1, 3}, []float32{127, -63.5, 0}, []byte{0, 0, 0x80, 0x3f, 0x7f, 0xc0, 0x00}},
		// Two rows: scale 2 for the first, and 0 for the all-zero second.
		{"q8 rows", Q8, []int{2, 1}, []float32{-254, 0}, []byte{0, 0, 0, 0x40, 0, 0, 0, 0, 0x81, 0}},
		// One ragged block: scale 1 (half 0x3c00), then byte 0 = 7 | (-7)<<4, byte 1 = 1 | 0<<4,
		// and zero padding for the values past the end of the row.
		{"q4", Q4, []int{4}, []float32{7, -7, 1, 0}, append([]byte{0x00, 0x3c, 0x97, 0x01}, make([]byte, 14)...)},
		{"q4f32", Q4F32, []int{1, 3}, []float32{7, -7, 1}, append([]byte{0, 0, 0x80, 0x3f, 0x97, 0x01}, make([]byte, 14)...)},
		// Scale 1; 3, −3, 1, 0 are the 3-bit integers 011, 101, 001, 000: low
		// bits 11, 01, 01, 00 in byte 0 (0x17), high bits 0, 1, 0, 0 in byte 8 (0x02).
		{"q3", Q3, []int{4}, []float32{3, -3, 1, 0}, []byte{0x00, 0x3c, 0x17, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(tc.kind, tc.shape, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("Encode = % x\nwant     % x", got, tc.want)
			}
			dec := make([]float32, len(tc.data))
			if err := Decode(tc.kind, tc.shape, got, dec); err != nil {
				t.Fatal(err)
			}
			if tc.kind != Q8 || tc.name == "q8 rows" {
				for i := range dec {
					if dec[i] != tc.data[i] {
						t.Fatalf("Decode = %v, want %v", dec, tc.data)
					}
				}
			}
		})
	}
	// -63.5 comes back as -64: the rounding error is half a step.
	dec, err := RoundTrip(Q8, []int{1, 3}, []float32{127, -63.5, 0})
	if err != nil || dec[1] != -64 {
		t.Fatalf("q8 round trip = %v, %v; want -64 in the middle", dec, err)
	}
}

// TestDecodeNibbles decodes hand-made blocks holding every nibble, including
// -8, which the encoder never needs but a reader must decode.
func TestDecodeNibbles(t *testing.T) {
	p := make([]byte, 2+16)
	p[0], p[1] = 0x00, 0x40 // scale 2 in float16
	for j := range 16 {
		p[2+j] = byte(2*j)&0xf | byte(2*j+1)<<4
	}
	dst := make([]float32, 32)
	if err := Decode(Q4, []int{32}, p, dst); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		n := i & 0xf
		if n >= 8 {
			n -= 16
		}
		if v != 2*float32(n) {
			t.Fatalf("value %d = %g, want %d", i, v, 2*n)
		}
	}
}

// TestDecodeQ3 decodes a hand-made block holding every 3-bit integer, −4
// included, which the encoder needs only for a block's negative extreme.
func TestDecodeQ3(t *testing.T) {
	p := make([]byte, 2+12)
	p[0], p[1] = 0x00, 0x40 // scale 2 in float16
	for i := range 32 {
		n := byte(i % 8)
		p[2+i/4] |= (n & 3) << (2 * (i % 4))
		p[2+8+i/8] |= (n >> 2) << (i % 8)
	}
	dst := make([]float32, 32)
	if err := Decode(Q3, []int{32}, p, dst); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		n := i % 8
		if n >= 4 {
			n -= 8
		}
		if v != 2*float32(n) {
			t.Fatalf("value %d = %g, want %d", i, v, 2*n)
		}
	}
}

func TestErrorBounds(t *testing.T) {
	shapes := [][]int{{64, 96}, {7, 45}, {3, 1}, {5, 33}, {1000}, {2, 3, 4, 5}, {4, 31}}
	for _, shape := range shapes {
		n, _ := NumElements(shape)
		// Rows of very different magnitude, as in real weight matrices.
		data := randn(uint64(n), n, 1)
		rows, cols, _ := Layout(shape)
		for r := range rows {
			for c := range cols {
				data[r*cols+c] *= float32(math.Pow(10, float64(r%5)-3))
			}
		}
		for _, k := range Kinds() {
			dec, err := RoundTrip(k, shape, data)
			if err != nil {
				t.Fatalf("%v %v: %v", k, shape, err)
			}
			for r := range rows {
				row, drow := data[r*cols:(r+1)*cols], dec[r*cols:(r+1)*cols]
				var m float64
				for _, v := range row {
					m = math.Max(m, math.Abs(float64(v)))
				}
				for c := range row {
					x, y := float64(row[c]), float64(drow[c])
					var bound float64
					switch k {
					case F32:
						bound = 0
					case F16:
						bound = math.Abs(x)*0x1p-11 + 0x1p-25 // half an ulp, or half the subnormal step
					case Q8:
						bound = m/127/2*(1+1e-6) + 1e-30
					case Q4, Q4F32:
						b := c / BlockSize
						bm := 0.0
						for _, v := range row[b*BlockSize : min(cols, (b+1)*BlockSize)] {
							bm = math.Max(bm, math.Abs(float64(v)))
						}
						bound = bm / 8 * (1 + 2e-3) // a clipped extreme at worst; float16 scales lose ~2^-11
					case Q3:
						b := c / BlockSize
						bm := 0.0
						for _, v := range row[b*BlockSize : min(cols, (b+1)*BlockSize)] {
							bm = math.Max(bm, math.Abs(float64(v)))
						}
						bound = bm / 4 * (1 + 2e-3) // 3m/4 kept of a clipped extreme at worst
					}
					if math.Abs(x-y) > bound {
						t.Fatalf("%v %v row %d col %d: %g decoded as %g, error %g > bound %g", k, shape, r, c, x, y, math.Abs(x-y), bound)
					}
				}
			}
		}
	}
}

// TestQ4SearchBeatsPlain checks that the scale search never loses to plain
// symmetric rounding (d = 7) and gains on Gaussian blocks.
func TestQ4SearchBeatsPlain(t *testing.T) {
	const rows, cols = 256, 64
	data := randn(7, rows*cols, 0.05)
	dec, err := RoundTrip(Q4F32, []int{rows, cols}, data)
	if err != nil {
		t.Fatal(err)
	}
	var seSearch, sePlain float64
	for b := 0; b < rows*cols/BlockSize; b++ {
		x := data[b*BlockSize : (b+1)*BlockSize]
		var m float64
		for _, v := range x {
			m = math.Max(m, math.Abs(float64(v)))
		}
		s := float32(m / 7)
		var plain, search float64
		for i, v := range x {
			q := float32(math.Round(float64(v) / float64(s)))
			plain += math.Pow(float64(v)-float64(s*q), 2)
			search += math.Pow(float64(v)-float64(dec[b*BlockSize+i]), 2)
		}
		if search > plain*(1+1e-9) {
			t.Fatalf("block %d: search squared error %g > plain %g", b, search, plain)
		}
		seSearch += search
		sePlain += plain
	}
	gain := 1 - math.Sqrt(seSearch/sePlain)
	t.Logf("q4 scale search lowers RMSE by %.1f%% on Gaussian blocks", 100*gain)
	if gain < 0.02 {
		t.Errorf("scale search gains only %.2f%% RMSE; expected a few percent", 100*gain)
	}
}

func TestEmptyAndScalar(t *testing.T) {
	for _, shape := range [][]int{{0}, {0, 5}, {3, 0}, {}, {2, 0, 3}} {
		n, _ := NumElements(shape)
		data := make([]float32, n)
		if n == 1 {
			data[0] = 0.75
		}
		for _, k := range Kinds() {
			dec, err := RoundTrip(k, shape, data)
			if err != nil {
				t.Fatalf("%v %v: %v", k, shape, err)
			}
			// Q4's and Q3's steps may not hit 0.75 exactly; m/4 bounds the error.
			if len(dec) != n || (n == 1 && math.Abs(float64(dec[0])-0.75) > 0.75/4) {
				t.Fatalf("%v %v: got %v", k, shape, dec)
			}
		}
	}
}

func TestEncodeDecodeErrors(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name    string
		err     func() error
		wantErr string
	}{
		{"bad kind encode", func() error { _, err := Encode(0, []int{1}, []float32{1}); return err }, "invalid encoding"},
		{"bad kind decode", func() error { return Decode(9, []int{1}, []byte{0}, make([]float32, 1)) }, "invalid encoding"},
		{"negative dim", func() error { _, err := Encode(F32, []int{2, -1}, nil); return err }, "negative"},
		{"huge shape", func() error { _, err := EncodedSize(F32, []int{1 << 30, 1 << 30}); return err }, "2^48"},
		{"data length", func() error { _, err := Encode(F16, []int{2, 2}, make([]float32, 3)); return err }, "4 elements, data has 3"},
		{"q8 nan", func() error { _, err := Encode(Q8, []int{2}, []float32{1, nan}); return err }, "element 1 is NaN"},
		{"q4 inf", func() error { _, err := Encode(Q4, []int{1}, []float32{float32(math.Inf(1))}); return err }, "element 0 is +Inf"},
		{"f16 overflow", func() error { _, err := Encode(F16, []int{2}, []float32{1, 70000}); return err }, "element 1 (70000) overflows"},
		{"q4 scale overflow", func() error { _, err := Encode(Q4, []int{1}, []float32{1e6}); return err }, "use q4f32"},
		{"short payload", func() error { return Decode(Q8, []int{2, 2}, make([]byte, 11), make([]float32, 4)) }, "must be 12 bytes, got 11"},
		{"long payload", func() error { return Decode(Q4, []int{33}, make([]byte, 37), make([]float32, 33)) }, "must be 36 bytes, got 37"},
		{"short dst", func() error { return Decode(F32, []int{2}, make([]byte, 8), make([]float32, 1)) }, "destination has 1"},
		{"parse kind", func() error { _, err := ParseKind("q2"); return err }, `unknown encoding "q2"`},
	}
	for _, tc := range tests {
		err := tc.err()
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.wantErr)
		}
	}
	// F32 and F16 keep non-finite values.
	for _, k := range []Kind{F32, F16} {
		in := []float32{nan, float32(math.Inf(-1))}
		dec, err := RoundTrip(k, []int{2}, in)
		if err != nil || !math.IsNaN(float64(dec[0])) || !math.IsInf(float64(dec[1]), -1) {
			t.Errorf("%v: non-finite round trip = %v, %v", k, dec, err)
		}
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds() {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
}

func TestError(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		orig, dec            []float32
		maxAbs, rmse, relRMS float64
	}{
		{nil, nil, 0, 0, 0},
		{[]float32{3, 4}, []float32{3, 4}, 0, 0, 0},
		{[]float32{3, 4}, []float32{3, 5}, 1, math.Sqrt(0.5), math.Sqrt(0.5) / math.Sqrt(12.5)},
		{[]float32{0, 0}, []float32{0, 2}, 2, math.Sqrt(2), inf},
		{[]float32{1, -1}, []float32{-1, 1}, 2, 2, 2},
	}
	for _, tc := range tests {
		m, r, rel := Error(tc.orig, tc.dec)
		if math.Abs(m-tc.maxAbs) > 1e-12 || math.Abs(r-tc.rmse) > 1e-12 || (rel != tc.relRMS && math.Abs(rel-tc.relRMS) > 1e-12) {
			t.Errorf("Error(%v, %v) = %g, %g, %g; want %g, %g, %g", tc.orig, tc.dec, m, r, rel, tc.maxAbs, tc.rmse, tc.relRMS)
		}
	}
	if m, _, _ := Error([]float32{1, 2}, []float32{float32(math.NaN()), 2}); !math.IsNaN(m) {
		t.Errorf("Error with NaN: maxAbs = %g, want NaN", m)
	}
}

// TestRelativeErrors pins the typical error of each encoding on Gaussian
// weights, the numbers an exporter weighs against size.
func TestRelativeErrors(t *testing.T) {
	shape := []int{128, 288}
	data := randn(3, 128*288, 0.02)
	want := map[Kind]float64{F32: 0, F16: 3e-4, Q8: 0.012, Q4F32: 0.13, Q4: 0.13, Q3: 0.27}
	for _, k := range Kinds() {
		dec, err := RoundTrip(k, shape, data)
		if err != nil {
			t.Fatal(err)
		}
		_, _, rel := Error(data, dec)
		size, _ := EncodedSize(k, shape)
		t.Logf("%-5v %7d bytes  %.2f bits/value  relRMSE %.4g", k, size, float64(8*size)/float64(len(data)), rel)
		if rel > want[k] {
			t.Errorf("%v: relative RMSE %g above %g", k, rel, want[k])
		}
	}
}

func TestChoose(t *testing.T) {
	shape := []int{64, 96}
	data := randn(4, 64*96, 0.03)
	tests := []struct {
		maxRel float64
		cands  []Kind
		want   Kind
	}{
		{0.3, nil, Q3},
		{0.15, nil, Q4},
		{0.05, nil, Q8},
		{1e-3, nil, F16},
		{1e-6, nil, F32},
		{0.2, []Kind{F16, Q4F32}, Q4F32},
		{0.2, []Kind{F32}, F32},
	}
	for _, tc := range tests {
		s, err := Choose(shape, data, tc.maxRel, tc.cands...)
		if err != nil || s.Kind != tc.want {
			t.Errorf("Choose(%g, %v) = %+v, %v; want %v", tc.maxRel, tc.cands, s, err, tc.want)
			continue
		}
		size, _ := EncodedSize(s.Kind, shape)
		if s.Bytes != size || s.RelRMSE > tc.maxRel {
			t.Errorf("Choose(%g): stats %+v", tc.maxRel, s)
		}
	}
	if _, err := Choose(shape, data, 1e-6, Q8, Q4); err == nil || !strings.Contains(err.Error(), "no encoding of [q8 q4] meets") {
		t.Errorf("impossible bar: %v", err)
	}
	// NaN data: only f32/f16 can hold it, and their error is NaN, so nothing qualifies.
	nan := []float32{1, float32(math.NaN())}
	if _, err := Choose([]int{2}, nan, 1); err == nil || !strings.Contains(err.Error(), "element 1 is NaN") {
		t.Errorf("NaN data: %v", err)
	}
}

// TestDecodeRowsAndFinite: for every encoding, rows decoded a block at a time
// equal the whole decode, AxpyRows sums rows as the decoded matrix does, and
// FirstNonFinite finds a planted NaN or Inf.
func TestDecodeRowsAndFinite(t *testing.T) {
	shape := []int{7, 45} // a ragged last Q4 block
	data := randn(5, 7*45, 0.3)
	for _, k := range Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			p, err := Encode(k, shape, data)
			if err != nil {
				t.Fatal(err)
			}
			whole := make([]float32, len(data))
			if err := Decode(k, shape, p, whole); err != nil {
				t.Fatal(err)
			}
			checkRowsAndFinite(t, k, shape, p, whole)
			checkAxpy(t, k, shape, p, whole)
			if err := AxpyRows(k, shape, p, 0, 2, make([]float32, 3), make([]float32, 45), make([]float32, 45)); err == nil {
				t.Error("AxpyRows: 3 coefficients for 2 rows accepted")
			}
			for _, r := range [][2]int{{-1, 2}, {3, 2}, {0, 8}} {
				if err := DecodeRows(k, shape, p, r[0], r[1], make([]float32, max(0, r[1]-r[0])*45)); err == nil {
					t.Errorf("rows %v: no error", r)
				}
			}
			if err := DecodeRows(k, shape, p[1:], 0, 1, make([]float32, 45)); err == nil {
				t.Error("short payload: no error")
			}
			// Plant a non-finite value in row 3: a scale for the quantized
			// encodings, the value itself for the float ones.
			bad := append([]byte(nil), p...)
			want := 3 * 45
			switch k {
			case F32:
				binary.LittleEndian.PutUint32(bad[4*(want+2):], math.Float32bits(float32(math.Inf(1))))
				want += 2
			case F16:
				binary.LittleEndian.PutUint16(bad[2*(want+2):], 0x7e00) // NaN
				want += 2
			case Q8:
				binary.LittleEndian.PutUint32(bad[4*3:], math.Float32bits(float32(math.NaN())))
			case Q4:
				binary.LittleEndian.PutUint16(bad[2*(3*2):], 0x7c00) // +Inf scale, row 3 block 0
			case Q4F32:
				binary.LittleEndian.PutUint32(bad[4*(3*2):], math.Float32bits(float32(math.Inf(-1))))
			case Q3:
				binary.LittleEndian.PutUint16(bad[2*(3*2):], 0xfc00) // −Inf scale, row 3 block 0
			}
			i, err := FirstNonFinite(k, shape, bad)
			if err != nil {
				t.Fatal(err)
			}
			dec := make([]float32, len(data))
			Decode(k, shape, bad, dec)
			if i < 0 || !(math.IsNaN(float64(dec[i])) || math.IsInf(float64(dec[i]), 0)) || i > want+44 {
				t.Fatalf("FirstNonFinite = %d (value %v), want about %d", i, dec[max(i, 0)], want)
			}
		})
	}
}

// EncodeFloor with zero floors is Encode; with a floor above a row's plain
// scale it stores that row on the floor's grid (error at most half the
// floor, most values zero where the floor is coarse), which a reader decodes
// like any other payload; bad floors are refused.
func TestEncodeFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const rows, cols = 3, 100
	shape := []int{rows, cols}
	data := make([]float32, rows*cols)
	for i := range data {
		data[i] = float32(rng.NormFloat64() * 0.01)
	}
	for _, k := range Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			plain, err := Encode(k, shape, data)
			if err != nil {
				t.Fatal(err)
			}
			zero, err := EncodeFloor(k, shape, data, make([]float32, rows))
			if err != nil || !bytes.Equal(zero, plain) {
				t.Fatalf("zero floors: %v, same bytes as Encode %v", err, bytes.Equal(zero, plain))
			}
			// Row 0 no floor, row 1 a floor of 0.02 (about 2 σ), row 2 a floor past its values.
			floor := []float32{0, 0.02, 1}
			got, err := RoundTripFloor(k, shape, data, floor)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := RoundTrip(k, shape, data)
			if k == F32 || k == F16 {
				if !slices.Equal(got, want) {
					t.Error("f32/f16 changed by a floor")
				}
				return
			}
			if !slices.Equal(got[:cols], want[:cols]) {
				t.Error("row 0 (floor 0) differs from plain encoding")
			}
			zeros := 0
			for c := range cols {
				x, v := data[cols+c], got[cols+c]
				if d := math.Abs(float64(x - v)); d > 0.01*1.001 {
					t.Fatalf("row 1 value %d: %g stored as %g, error over half the floor", c, x, v)
				}
				if v == 0 {
					zeros++
				}
				if got[2*cols+c] != 0 {
					t.Fatalf("row 2 value %d stored as %g under a floor of 1", c, got[2*cols+c])
				}
			}
			if zeros < cols/2 {
				t.Errorf("row 1: %d of %d values are zero under a floor of 2σ, want most", zeros, cols)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		floor []float32
		want  string
	}{
		{"too few", []float32{0, 0}, "3 rows"},
		{"negative", []float32{0, -1, 0}, "row 1"},
		{"NaN", []float32{0, 0, float32(math.NaN())}, "row 2"},
		{"Inf", []float32{float32(math.Inf(1)), 0, 0}, "row 0"},
	} {
		if _, err := EncodeFloor(Q4, shape, data, tc.floor); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}
