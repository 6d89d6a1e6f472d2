package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Kind names a float32 tensor encoding.
type Kind uint8

// The encodings. The zero Kind is invalid.
const (
	// F32 stores IEEE binary32 values unchanged: 4 bytes per value.
	F32 Kind = iota + 1
	// F16 stores IEEE binary16 values, rounded to nearest even: 2 bytes per value.
	F16
	// Q8 stores int8 values in [-127, 127] with one float32 scale per row:
	// rows×4 + rows×cols bytes.
	Q8
	// Q4 stores signed 4-bit values in blocks of 32 along each row with one
	// float16 scale per block: 18 bytes per block (4.5 bits per value).
	Q4
	// Q4F32 is Q4 with float32 block scales: 20 bytes per block (5 bits per
	// value), for values whose scale does not fit float16's range.
	Q4F32
	// Q3 stores signed 3-bit values in blocks of 32 along each row with one
	// float16 scale per block: 14 bytes per block (3.5 bits per value).
	Q3
)

// BlockSize is the number of values that share one scale in Q4, Q4F32 and Q3.
const BlockSize = 32

// blockBytes is the packed size of one block of 4-bit values.
const blockBytes = BlockSize / 2

// maxElements bounds the element count of any shape this package accepts, so
// that every size computation below stays far from int64 overflow.
const maxElements = 1 << 48

// Kinds lists every valid Kind, smallest-per-value last.
func Kinds() []Kind { return []Kind{F32, F16, Q8, Q4F32, Q4, Q3} }

// String returns the lower-case name used in flags and reports: "f32", "f16",
// "q8", "q4", "q4f32", "q3".
func (k Kind) String() string {
	switch k {
	case F32:
		return "f32"
	case F16:
		return "f16"
	case Q8:
		return "q8"
	case Q4:
		return "q4"
	case Q4F32:
		return "q4f32"
	case Q3:
		return "q3"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Valid reports whether k is one of the defined encodings.
func (k Kind) Valid() bool { return k >= F32 && k <= Q3 }

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("quant: unknown encoding %q (want f32, f16, q8, q4, q4f32 or q3)", s)
}

// Layout returns the matrix view of shape that the row-wise encodings use:
// rows = shape[0] and cols = the product of the other dims, or a single row
// for rank 0 and 1. It fails on a negative dim or more than 2^48 elements.
func Layout(shape []int) (rows, cols int, err error) {
	n, err := NumElements(shape)
	if err != nil {
		return 0, 0, err
	}
	if len(shape) < 2 {
		return 1, n, nil
	}
	// cols comes from the trailing dims rather than n/rows so that an empty
	// tensor (a zero dim anywhere) still gets rows×cols = 0.
	cols, err = NumElements(shape[1:])
	if err != nil {
		return 0, 0, err
	}
	return shape[0], cols, nil
}

// NumElements returns the product of the dims (1 for rank 0). It fails on a
// negative dim or a product above 2^48.
func NumElements(shape []int) (int, error) {
	n := 1
	zero := false
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("quant: shape %v: dim %d is negative", shape, i)
		}
		if d > maxElements {
			return 0, fmt.Errorf("quant: shape %v: dim %d exceeds 2^48", shape, i)
		}
		if d == 0 {
			zero = true
			continue
		}
		if n > maxElements/d {
			return 0, fmt.Errorf("quant: shape %v: more than 2^48 elements", shape)
		}
		n *= d
	}
	if zero {
		return 0, nil
	}
	return n, nil
}

// EncodedSize returns the payload size in bytes of a tensor of the given
// shape under encoding k.
func EncodedSize(k Kind, shape []int) (int64, error) {
	rows, cols, err := Layout(shape)
	if err != nil {
		return 0, err
	}
	n := int64(rows) * int64(cols)
	switch k {
	case F32:
		return 4 * n, nil
	case F16:
		return 2 * n, nil
	case Q8:
		return 4*int64(rows) + n, nil
	case Q4, Q4F32, Q3:
		return int64(rows) * int64(blocksPerRow(cols)) * int64(k.blockSize()), nil
	}
	return 0, fmt.Errorf("quant: invalid encoding %v", k)
}

// blocksPerRow is the number of blocks (Q4, Q4F32, Q3) that cover one row;
// a ragged last block is padded with zeros.
func blocksPerRow(cols int) int { return (cols + BlockSize - 1) / BlockSize }

// scaleBytes is the size of one block scale.
func (k Kind) scaleBytes() int {
	if k == Q4F32 {
		return 4
	}
	return 2
}

// packedBytes is the size of one block's packed values.
func (k Kind) packedBytes() int {
	if k == Q3 {
		return q3PackedBytes
	}
	return blockBytes
}

// blockSize is the size of one block: its scale plus the packed values.
func (k Kind) blockSize() int { return k.scaleBytes() + k.packedBytes() }

// Encode returns the payload of data, a tensor of the given shape in
// row-major order, under encoding k.
func Encode(k Kind, shape []int, data []float32) ([]byte, error) {
	return AppendEncode(nil, k, shape, data)
}

// AppendEncode appends the payload of data under encoding k to dst. The
// quantized encodings reject NaN and ±Inf; F16 rejects finite values that
// overflow half precision (|x| ≥ 65520), while F32 and F16 keep NaN and ±Inf.
func AppendEncode(dst []byte, k Kind, shape []int, data []float32) ([]byte, error) {
	return appendEncode(dst, k, shape, data, nil)
}

// EncodeFloor is Encode with a lower bound on the scales: row r's scale
// (Q8) or each of its blocks' scales (Q4, Q4F32, Q3) is at least floor[r].
// A scale coarser than the values need rounds the small values to zero and
// the others to a few distinct integers, which a general-purpose compressor
// (brotli, gzip) stores in fewer bits than the packing has: together they
// are an entropy-coded uniform quantizer of step floor[r]. Readers need
// nothing new, since a scale may be any value its field holds. floor has one
// entry per row of Layout(shape), each finite and ≥ 0 (0: no bound); F32
// and F16 ignore it.
func EncodeFloor(k Kind, shape []int, data, floor []float32) ([]byte, error) {
	rows, _, err := Layout(shape)
	if err != nil {
		return nil, err
	}
	if len(floor) != rows {
		return nil, fmt.Errorf("quant: %d scale floors for the %d rows of shape %v", len(floor), rows, shape)
	}
	for r, f := range floor {
		if !(f >= 0) || math.IsInf(float64(f), 0) {
			return nil, fmt.Errorf("quant: row %d: scale floor %v, want finite and ≥ 0", r, f)
		}
	}
	return appendEncode(nil, k, shape, data, floor)
}

// RoundTripFloor is RoundTrip through EncodeFloor.
func RoundTripFloor(k Kind, shape []int, data, floor []float32) ([]float32, error) {
	p, err := EncodeFloor(k, shape, data, floor)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(data))
	if err := Decode(k, shape, p, out); err != nil {
		return nil, err
	}
	return out, nil
}

// appendEncode is AppendEncode with optional scale floors (nil: none).
func appendEncode(dst []byte, k Kind, shape []int, data, floor []float32) ([]byte, error) {
	size, err := EncodedSize(k, shape)
	if err != nil {
		return dst, err
	}
	rows, cols, _ := Layout(shape)
	if len(data) != rows*cols {
		return dst, fmt.Errorf("quant: shape %v has %d elements, data has %d", shape, rows*cols, len(data))
	}
	if k != F32 && k != F16 {
		for i, v := range data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return dst, fmt.Errorf("quant: %v: element %d is %v; only f32 and f16 store non-finite values", k, i, v)
			}
		}
	}
	start := len(dst)
	dst = grow(dst, int(size))
	out := dst[start:]
	switch k {
	case F32:
		encodeF32(out, data)
	case F16:
		if err := encodeF16(out, data); err != nil {
			return dst[:start], err
		}
	case Q8:
		encodeQ8(out, rows, cols, data, floor)
	case Q4, Q4F32, Q3:
		if err := encodeBlocks(out, k, rows, cols, data, floor); err != nil {
			return dst[:start], err
		}
	}
	return dst, nil
}

// payloadLayout checks that payload has the size of shape under k and
// returns the shape's rows and columns.
func payloadLayout(k Kind, shape []int, payload []byte) (rows, cols int, err error) {
	size, err := EncodedSize(k, shape)
	if err != nil {
		return 0, 0, err
	}
	if int64(len(payload)) != size {
		return 0, 0, fmt.Errorf("quant: %v payload for shape %v must be %d bytes, got %d", k, shape, size, len(payload))
	}
	rows, cols, _ = Layout(shape)
	return rows, cols, nil
}

// Decode decodes payload, a tensor of the given shape under encoding k, into
// dst, which must have exactly one slot per element. It checks the payload
// size first and does not allocate.
func Decode(k Kind, shape []int, payload []byte, dst []float32) error {
	rows, cols, err := payloadLayout(k, shape, payload)
	if err != nil {
		return err
	}
	if len(dst) != rows*cols {
		return fmt.Errorf("quant: destination has %d elements, shape %v needs %d", len(dst), shape, rows*cols)
	}
	switch k {
	case F32:
		decodeF32(dst, payload)
	case F16:
		decodeF16(dst, payload)
	case Q8:
		decodeQ8(dst, rows, cols, payload)
	case Q4, Q4F32:
		decodeQ4(dst, k, rows, cols, payload)
	case Q3:
		decodeQ3Rows(dst, rows, cols, payload, payload[rows*blocksPerRow(cols)*2:])
	}
	return nil
}

// DecodeRows decodes rows [r0, r1) of a payload (the rows of Layout(shape))
// into dst, (r1−r0)·cols values. Every encoding keeps each row's scales and
// values apart from the other rows', so a reader can dequantize a large
// matrix a block of rows at a time instead of holding all of it as float32.
// Like Decode it checks the payload length and never allocates.
func DecodeRows(k Kind, shape []int, payload []byte, r0, r1 int, dst []float32) error {
	rows, cols, err := payloadLayout(k, shape, payload)
	if err != nil {
		return err
	}
	if r0 < 0 || r1 < r0 || r1 > rows {
		return fmt.Errorf("quant: rows [%d, %d) outside the %d rows of shape %v", r0, r1, rows, shape)
	}
	if len(dst) != (r1-r0)*cols {
		return fmt.Errorf("quant: destination has %d elements, rows [%d, %d) of %d columns need %d", len(dst), r0, r1, cols, (r1-r0)*cols)
	}
	switch k {
	case F32:
		decodeF32(dst, payload[4*r0*cols:4*r1*cols])
	case F16:
		decodeF16(dst, payload[2*r0*cols:2*r1*cols])
	case Q8:
		decodeQ8Rows(dst, cols, payload[4*r0:4*r1], payload[4*rows+r0*cols:])
	case Q4, Q4F32:
		nb, sb := blocksPerRow(cols), k.scaleBytes()
		decodeQ4Rows(dst, k, r1-r0, cols, payload[r0*nb*sb:], payload[rows*nb*sb+r0*nb*blockBytes:])
	case Q3:
		nb := blocksPerRow(cols)
		decodeQ3Rows(dst, r1-r0, cols, payload[r0*nb*2:], payload[rows*nb*2+r0*nb*q3PackedBytes:])
	}
	return nil
}

// FirstNonFinite returns the index (row-major, as Decode writes it) of the
// first value the payload decodes to NaN or ±Inf, or −1 if there is none,
// without decoding it: for Q8, Q4 and Q3 only the scales are read (an integer
// times a finite scale is finite unless the scale is within a factor 128 of
// the float32 range, which is checked), for F16 and F32 the exponent bits.
// The payload length is checked as in Decode.
func FirstNonFinite(k Kind, shape []int, payload []byte) (int, error) {
	rows, cols, err := payloadLayout(k, shape, payload)
	if err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	bad := func(s float32) bool { return math.Float32bits(s*128)&0x7f800000 == 0x7f800000 }
	switch k {
	case F32:
		for i := range rows * cols {
			if le.Uint32(payload[4*i:])&0x7f800000 == 0x7f800000 {
				return i, nil
			}
		}
	case F16:
		for i := range rows * cols {
			if le.Uint16(payload[2*i:])&0x7c00 == 0x7c00 {
				return i, nil
			}
		}
	case Q8:
		for r := range rows {
			if bad(math.Float32frombits(le.Uint32(payload[4*r:]))) {
				if i := firstInRow(k, shape, payload, r, cols); i >= 0 {
					return i, nil
				}
			}
		}
	case Q4, Q4F32, Q3:
		nb := blocksPerRow(cols)
		for i := range rows * nb {
			if bad(blockScale(k, payload, i)) {
				if j := firstInRow(k, shape, payload, i/nb, cols); j >= 0 {
					return j, nil
				}
			}
		}
	}
	return -1, nil
}

// firstInRow decodes row r to find its first non-finite value (a scale
// close to the float32 range may still give finite values for small
// integers), or −1.
func firstInRow(k Kind, shape []int, payload []byte, r, cols int) int {
	row := make([]float32, cols)
	if DecodeRows(k, shape, payload, r, r+1, row) == nil {
		for c, v := range row {
			if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
				return r*cols + c
			}
		}
	}
	return -1
}

// RoundTrip encodes data under k and decodes it again: what a reader of the
// bundle will see.
func RoundTrip(k Kind, shape []int, data []float32) ([]float32, error) {
	p, err := Encode(k, shape, data)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(data))
	if err := Decode(k, shape, p, out); err != nil {
		return nil, err
	}
	return out, nil
}

// grow extends b by n zero bytes.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		b = b[:len(b)+n]
		clear(b[len(b)-n:])
		return b
	}
	nb := make([]byte, len(b)+n)
	copy(nb, b)
	return nb
}

// AxpyRows adds Σ coef[r−r0]·row r over rows [r0, r1) of the matrix to dst
// (one row: cols values). Q8, Q4 and Q3 payloads are read in place, with no
// decoded copy: a page's first decodes run in cold WebAssembly, where writing
// and rereading the copy cost as much as the arithmetic. Other kinds decode
// one row at a time into scratch, which must then hold cols values.
func AxpyRows(k Kind, shape []int, payload []byte, r0, r1 int, coef, dst, scratch []float32) error {
	rows, cols, err := payloadLayout(k, shape, payload)
	if err != nil {
		return err
	}
	if r0 < 0 || r1 < r0 || r1 > rows {
		return fmt.Errorf("quant: rows [%d, %d) outside the %d rows of shape %v", r0, r1, rows, shape)
	}
	if len(coef) != r1-r0 || len(dst) != cols {
		return fmt.Errorf("quant: %d coefficients for rows [%d, %d), %d outputs for %d columns", len(coef), r0, r1, len(dst), cols)
	}
	switch k {
	case Q8:
		axpyQ8Rows(dst, coef, cols, payload[4*r0:4*r1], payload[4*rows+r0*cols:])
	case Q4, Q4F32:
		nb, sb := blocksPerRow(cols), k.scaleBytes()
		axpyQ4Rows(dst, k, coef, cols, payload[r0*nb*sb:], payload[rows*nb*sb+r0*nb*blockBytes:])
	case Q3:
		nb := blocksPerRow(cols)
		axpyQ3Rows(dst, coef, cols, payload[r0*nb*2:], payload[rows*nb*2+r0*nb*q3PackedBytes:])
	default:
		if len(scratch) < cols {
			return fmt.Errorf("quant: AxpyRows of %v needs a scratch of %d values, got %d", k, cols, len(scratch))
		}
		row := scratch[:cols]
		for r, c := range coef {
			if err := DecodeRows(k, shape, payload, r0+r, r0+r+1, row); err != nil {
				return err
			}
			for j, v := range row {
				dst[j] += c * v
			}
		}
	}
	return nil
}
