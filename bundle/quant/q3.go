package quant

import (
	"encoding/binary"
)

// Q3 layout, for rows × cols viewed as rows of nb = ceil(cols/32) blocks:
//
//	rows·nb float16 scales, block order: row 0 block 0, row 0 block 1, …
//	rows·nb·12 bytes of packed values, same block order.
//
// A value is a 3-bit two's-complement integer q in [−4, 3] (n = the 3 bits,
// q = n if n < 4, else n − 8); value = scale·q. Within a block's 12 bytes,
// the low two bits of value i are bits 2(i mod 4) and 2(i mod 4)+1 of byte
// i/4 (bytes 0–7), and its high bit is bit i mod 8 of byte 8 + i/8 (bytes
// 8–11). Two bit planes rather than packed triples let a reader decode a
// block with shifts and masks alone. The values past the end of a ragged
// last block are written as 0 and ignored.
//
// The encoder (encodeBlocks) searches each block's scale as Q4's does, among
// m/d with m the block's largest magnitude and d = 3, 3.125, …, 4.

// q3PackedBytes is the packed size of one block of 3-bit values.
const q3PackedBytes = BlockSize * 3 / 8

// packQ3 writes a block's 3-bit values into its two bit planes.
func packQ3(p []byte, q *[BlockSize]int8) {
	clear(p)
	for i, v := range q {
		n := byte(v) & 7
		p[i/4] |= (n & 3) << (2 * (i % 4))
		p[8+i/8] |= (n >> 2) << (i % 8)
	}
}

// q3Value is value i of a packed block, as an integer in [−4, 3].
func q3Value(p []byte, i int) float32 {
	n := (p[i/4]>>(2*(i%4)))&3 | ((p[8+i/8]>>(i%8))&1)<<2
	return float32(int8(n<<5) >> 5)
}

// q3Block adds s × the 32 values of packed block p to out (32 values), or
// sets them when set is true. With n = lo | hi<<2, the two's-complement
// value is lo − 4·hi, so each plane's byte maps to its part of four values
// through a table: no shifts or integer-to-float conversions per value,
// which in WebAssembly runs three times as fast as bit arithmetic did.
func q3Block(out []float32, s float32, p []byte, set bool) {
	p = p[:q3PackedBytes]
	out = out[:BlockSize]
	for j := range 8 {
		lo := &q3Low[p[j]]
		hi := &q3High[(p[8+j/2]>>(4*(j%2)))&15]
		o := out[4*j:][:4]
		if set {
			o[0] = s * (lo[0] + hi[0])
			o[1] = s * (lo[1] + hi[1])
			o[2] = s * (lo[2] + hi[2])
			o[3] = s * (lo[3] + hi[3])
		} else {
			o[0] += s * (lo[0] + hi[0])
			o[1] += s * (lo[1] + hi[1])
			o[2] += s * (lo[2] + hi[2])
			o[3] += s * (lo[3] + hi[3])
		}
	}
}

// q3Low[b] holds the low-plane parts (0 … 3) of the four values whose low
// bits are byte b; q3High[h] the high-plane parts (0 or −4) of four values
// whose high bits are the nibble h. Both are read-only after init.
var q3Low, q3High = q3Tables()

func q3Tables() (lo [256][4]float32, hi [16][4]float32) {
	for b := range 256 {
		for k := range 4 {
			lo[b][k] = float32(b >> (2 * k) & 3)
		}
	}
	for h := range 16 {
		for k := range 4 {
			hi[h][k] = -4 * float32(h>>k&1)
		}
	}
	return lo, hi
}

// decodeQ3Rows decodes rows whose block scales start at scales and packed
// values at packed.
func decodeQ3Rows(dst []float32, rows, cols int, scales, packed []byte) {
	nb := blocksPerRow(cols)
	for r := 0; r < rows; r++ {
		row := dst[r*cols : (r+1)*cols]
		for b := 0; b < nb; b++ {
			i := r*nb + b
			s := Float16ToFloat32(binary.LittleEndian.Uint16(scales[2*i:]))
			blk := packed[i*q3PackedBytes : (i+1)*q3PackedBytes]
			out := row[b*BlockSize : min(cols, (b+1)*BlockSize)]
			if len(out) == BlockSize {
				q3Block(out, s, blk, true)
				continue
			}
			for j := range out {
				out[j] = s * q3Value(blk, j)
			}
		}
	}
}
