package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Q4 layout, for rows × cols viewed as rows of nb = ceil(cols/32) blocks:
//
//	rows·nb scales (float16 for Q4, float32 for Q4F32), block order: row 0
//	block 0, row 0 block 1, …
//	rows·nb·16 bytes of packed values, same block order.
//
// Within a block's 16 bytes, byte j holds value 2j in its low nibble and value
// 2j+1 in its high nibble. A nibble is a 4-bit two's-complement integer q in
// [−8, 7] (nibble n means n if n < 8, else n − 16); value = scale·q. The
// values past the end of a ragged last block are written as 0 and ignored.
//
// The encoder chooses each block's scale among m/d, with m the block's largest
// magnitude and d = 7, 7.125, …, 8, as the one that minimizes the block's squared
// error after decoding (the scale rounded to its stored precision, q clamped
// to [−8, 7]). d = 7 alone would be plain symmetric rounding; a larger d trades
// clipping of the extreme value for finer steps everywhere else, which lowers
// the error of bell-shaped weight blocks. d ≤ 8 bounds the error of any value
// by m/8 (a clipped extreme), and the search can only lower a block's squared
// error relative to d = 7.

// blockSteps is the number of candidate divisors: d = d₀ + i/8 for i in
// [0, blockSteps), with d₀ = 7 for Q4 and Q4F32 and 3 for Q3. d₀ comes first
// so that ties keep the plain symmetric scale.
const blockSteps = 9

// blockRange is the integer range of a block encoding and the first divisor
// of its scale search (the largest positive integer).
func (k Kind) blockRange() (lo, hi float64) {
	if k == Q3 {
		return -4, 3
	}
	return -8, 7
}

// encodeBlocks writes the scales and packed values of a Q4, Q4F32 or Q3
// payload.
func encodeBlocks(out []byte, k Kind, rows, cols int, data, floor []float32) error {
	nb := blocksPerRow(cols)
	sb, pb := k.scaleBytes(), k.packedBytes()
	packed := out[rows*nb*sb:]
	lo, hi := k.blockRange()
	var blk [BlockSize]float32
	var q, best [BlockSize]int8
	for r := 0; r < rows; r++ {
		for b := 0; b < nb; b++ {
			n := copy(blk[:], data[r*cols+b*BlockSize:min((r+1)*cols, r*cols+(b+1)*BlockSize)])
			clear(blk[n:])
			var m float64
			for _, v := range blk[:n] {
				m = math.Max(m, math.Abs(float64(v)))
			}
			var scale float32
			clear(best[:])
			if m > 0 {
				bestErr := math.Inf(1)
				for i := range blockSteps {
					s := float32(m / (hi + float64(i)/8))
					// At the floor, every later step is finer still: this one is the last.
					last := floor != nil && s <= floor[r]
					if last {
						s = floor[r]
					}
					if k != Q4F32 {
						h := Float32ToFloat16(s)
						if h == 0x7c00 {
							hint := ""
							if k == Q4 {
								hint = "; use q4f32"
							}
							return fmt.Errorf("quant: %v: row %d block %d: scale %g overflows float16%s", k, r, b, s, hint)
						}
						s = Float16ToFloat32(h)
					}
					if s == 0 {
						continue // m is below the scale's range: the block stays zero
					}
					e := roundBlock(&q, blk[:n], s, lo, hi)
					if e < bestErr {
						bestErr, scale, best = e, s, q
					}
					if last {
						break
					}
				}
			}
			i := r*nb + b
			if k == Q4F32 {
				binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(scale))
			} else {
				binary.LittleEndian.PutUint16(out[2*i:], Float32ToFloat16(scale))
			}
			p := packed[i*pb : (i+1)*pb]
			if k == Q3 {
				packQ3(p, &best)
				continue
			}
			for j := range p {
				p[j] = byte(best[2*j])&0xf | byte(best[2*j+1])<<4
			}
		}
	}
	return nil
}

// roundBlock rounds x/s into q, clamped to [lo, hi] (the tail past len(x)
// set to 0), and returns the squared error of the decoded values, computed
// as a reader computes them.
func roundBlock(q *[BlockSize]int8, x []float32, s float32, lo, hi float64) float64 {
	inv := 1 / float64(s)
	var e float64
	for i, v := range x {
		t := int8(max(lo, min(hi, math.Round(float64(v)*inv))))
		q[i] = t
		d := float64(v) - float64(s*float32(t))
		e += d * d
	}
	clear(q[len(x):])
	return e
}

func decodeQ4(dst []float32, k Kind, rows, cols int, p []byte) {
	nb := blocksPerRow(cols)
	decodeQ4Rows(dst, k, rows, cols, p, p[rows*nb*k.scaleBytes():])
}

// blockScale is the scale of block i of a Q4 or Q3 (float16 scales) or
// Q4F32 payload.
func blockScale(k Kind, scales []byte, i int) float32 {
	if k != Q4F32 {
		return Float16ToFloat32(binary.LittleEndian.Uint16(scales[2*i:]))
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(scales[4*i:]))
}

// decodeQ4Rows decodes rows whose block scales start at p and packed values
// at packed.
func decodeQ4Rows(dst []float32, k Kind, rows, cols int, p, packed []byte) {
	nb := blocksPerRow(cols)
	for r := 0; r < rows; r++ {
		row := dst[r*cols : (r+1)*cols]
		for b := 0; b < nb; b++ {
			i := r*nb + b
			s := blockScale(k, p, i)
			blk := packed[i*blockBytes : (i+1)*blockBytes]
			out := row[b*BlockSize : min(cols, (b+1)*BlockSize)]
			if len(out) == BlockSize {
				for j, v := range blk {
					out[2*j] = s * float32(int8(v<<4)>>4)
					out[2*j+1] = s * float32(int8(v)>>4)
				}
				continue
			}
			for c := range out {
				v := blk[c/2]
				if c&1 == 0 {
					v <<= 4
				}
				out[c] = s * float32(int8(v)>>4)
			}
		}
	}
}
