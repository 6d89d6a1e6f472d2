package quant

import (
	"encoding/binary"
	"math"
)

// The in-place row sums of AxpyRows. Each adds four rows per pass over dst,
// so dst is loaded and stored once per four rows instead of once per row;
// every value still adds its rows one after the other, in row order, so the
// sums are bit for bit those of one row at a time. Under Node (loaded VM,
// BenchmarkAxpyRows, 1,024 rows of 1,024 values, alternated with the
// row-at-a-time code): q8 1.7–2.0 → 0.9 ms, q4 1.9–2.3 → 1.2 ms, q3
// 1.5–2.6 → 1.2 ms; a PCA face read in place (1,024 components of 12,288
// values in q8/q4/q3 bands) 18.7 → 12.4–13.1 ms.

// axpyQ8Rows adds Σ coef[r]·row r to dst for Q8 rows whose scales start at
// scales and values at q (rows of cols values).
func axpyQ8Rows(dst, coef []float32, cols int, scales, q []byte) {
	le := binary.LittleEndian
	scale := func(r int) float32 { return coef[r] * math.Float32frombits(le.Uint32(scales[4*r:])) }
	r := 0
	for ; r+4 <= len(coef); r += 4 {
		a0, a1, a2, a3 := scale(r), scale(r+1), scale(r+2), scale(r+3)
		q0 := q[r*cols:][:len(dst)]
		q1 := q[(r+1)*cols:][:len(dst)]
		q2 := q[(r+2)*cols:][:len(dst)]
		q3 := q[(r+3)*cols:][:len(dst)]
		for j := range dst {
			v := dst[j]
			v += a0 * float32(int8(q0[j]))
			v += a1 * float32(int8(q1[j]))
			v += a2 * float32(int8(q2[j]))
			v += a3 * float32(int8(q3[j]))
			dst[j] = v
		}
	}
	for ; r < len(coef); r++ {
		a := scale(r)
		qr := q[r*cols:][:len(dst)]
		for j, v := range qr {
			dst[j] += a * float32(int8(v))
		}
	}
}

// axpyQ4Rows adds Σ coef[r]·row r to dst for Q4 or Q4F32 rows whose block
// scales start at scales and packed values at packed.
func axpyQ4Rows(dst []float32, k Kind, coef []float32, cols int, scales, packed []byte) {
	nb := blocksPerRow(cols)
	full := cols / BlockSize // blocks with 32 values; a ragged last one goes row by row
	r := 0
	for ; r+4 <= len(coef); r += 4 {
		for b := range full {
			i0, i1, i2, i3 := r*nb+b, (r+1)*nb+b, (r+2)*nb+b, (r+3)*nb+b
			s0 := coef[r] * blockScale(k, scales, i0)
			s1 := coef[r+1] * blockScale(k, scales, i1)
			s2 := coef[r+2] * blockScale(k, scales, i2)
			s3 := coef[r+3] * blockScale(k, scales, i3)
			p0 := packed[i0*blockBytes:][:blockBytes]
			p1 := packed[i1*blockBytes:][:blockBytes]
			p2 := packed[i2*blockBytes:][:blockBytes]
			p3 := packed[i3*blockBytes:][:blockBytes]
			out := dst[b*BlockSize:][:BlockSize]
			for j := range blockBytes {
				v0, v1, v2, v3 := p0[j], p1[j], p2[j], p3[j]
				lo := out[2*j]
				lo += s0 * float32(int8(v0<<4)>>4)
				lo += s1 * float32(int8(v1<<4)>>4)
				lo += s2 * float32(int8(v2<<4)>>4)
				lo += s3 * float32(int8(v3<<4)>>4)
				out[2*j] = lo
				hi := out[2*j+1]
				hi += s0 * float32(int8(v0)>>4)
				hi += s1 * float32(int8(v1)>>4)
				hi += s2 * float32(int8(v2)>>4)
				hi += s3 * float32(int8(v3)>>4)
				out[2*j+1] = hi
			}
		}
		if full < nb {
			for rr := r; rr < r+4; rr++ {
				axpyQ4Block(dst, k, coef[rr], cols, scales, packed, rr*nb+full, full)
			}
		}
	}
	for ; r < len(coef); r++ {
		for b := range nb {
			axpyQ4Block(dst, k, coef[r], cols, scales, packed, r*nb+b, b)
		}
	}
}

// axpyQ4Block adds c × block i (block b of its row) to dst.
func axpyQ4Block(dst []float32, k Kind, c float32, cols int, scales, packed []byte, i, b int) {
	s := c * blockScale(k, scales, i)
	blk := packed[i*blockBytes : (i+1)*blockBytes]
	out := dst[b*BlockSize : min(cols, (b+1)*BlockSize)]
	if len(out) == BlockSize {
		for j, v := range blk {
			out[2*j] += s * float32(int8(v<<4)>>4)
			out[2*j+1] += s * float32(int8(v)>>4)
		}
		return
	}
	for j := range out {
		v := blk[j/2]
		if j&1 == 0 {
			v <<= 4
		}
		out[j] += s * float32(int8(v)>>4)
	}
}

// axpyQ3Rows adds Σ coef[r]·row r to dst, reading the rows' blocks in place.
func axpyQ3Rows(dst, coef []float32, cols int, scales, packed []byte) {
	nb := blocksPerRow(cols)
	full := cols / BlockSize
	scale := func(r, i int) float32 { return coef[r] * Float16ToFloat32(binary.LittleEndian.Uint16(scales[2*i:])) }
	r := 0
	for ; r+4 <= len(coef); r += 4 {
		for b := range full {
			i0, i1, i2, i3 := r*nb+b, (r+1)*nb+b, (r+2)*nb+b, (r+3)*nb+b
			q3Block4(dst[b*BlockSize:][:BlockSize],
				[4]float32{scale(r, i0), scale(r+1, i1), scale(r+2, i2), scale(r+3, i3)},
				packed[i0*q3PackedBytes:][:q3PackedBytes], packed[i1*q3PackedBytes:][:q3PackedBytes],
				packed[i2*q3PackedBytes:][:q3PackedBytes], packed[i3*q3PackedBytes:][:q3PackedBytes])
		}
		if full < nb {
			for rr := r; rr < r+4; rr++ {
				axpyQ3Block(dst, scale(rr, rr*nb+full), cols, packed, rr*nb+full, full)
			}
		}
	}
	for ; r < len(coef); r++ {
		for b := range nb {
			axpyQ3Block(dst, scale(r, r*nb+b), cols, packed, r*nb+b, b)
		}
	}
}

// axpyQ3Block adds s × the values of block i (block b of its row) to dst.
func axpyQ3Block(dst []float32, s float32, cols int, packed []byte, i, b int) {
	blk := packed[i*q3PackedBytes : (i+1)*q3PackedBytes]
	out := dst[b*BlockSize : min(cols, (b+1)*BlockSize)]
	if len(out) == BlockSize {
		q3Block(out, s, blk, false)
		return
	}
	for j := range out {
		out[j] += s * q3Value(blk, j)
	}
}

// q3Block4 adds s[0]·block p0 + … + s[3]·block p3 to out (32 values),
// each value summing the four blocks in order (see q3Block).
func q3Block4(out []float32, s [4]float32, p0, p1, p2, p3 []byte) {
	out = out[:BlockSize]
	p0, p1, p2, p3 = p0[:q3PackedBytes], p1[:q3PackedBytes], p2[:q3PackedBytes], p3[:q3PackedBytes]
	s0, s1, s2, s3 := s[0], s[1], s[2], s[3]
	for j := range 8 {
		sh := 4 * (j % 2)
		lo0, hi0 := &q3Low[p0[j]], &q3High[(p0[8+j/2]>>sh)&15]
		lo1, hi1 := &q3Low[p1[j]], &q3High[(p1[8+j/2]>>sh)&15]
		lo2, hi2 := &q3Low[p2[j]], &q3High[(p2[8+j/2]>>sh)&15]
		lo3, hi3 := &q3Low[p3[j]], &q3High[(p3[8+j/2]>>sh)&15]
		o := out[4*j:][:4]
		o[0] = o[0] + s0*(lo0[0]+hi0[0]) + s1*(lo1[0]+hi1[0]) + s2*(lo2[0]+hi2[0]) + s3*(lo3[0]+hi3[0])
		o[1] = o[1] + s0*(lo0[1]+hi0[1]) + s1*(lo1[1]+hi1[1]) + s2*(lo2[1]+hi2[1]) + s3*(lo3[1]+hi3[1])
		o[2] = o[2] + s0*(lo0[2]+hi0[2]) + s1*(lo1[2]+hi1[2]) + s2*(lo2[2]+hi2[2]) + s3*(lo3[2]+hi3[2])
		o[3] = o[3] + s0*(lo0[3]+hi0[3]) + s1*(lo1[3]+hi1[3]) + s2*(lo2[3]+hi2[3]) + s3*(lo3[3]+hi3[3])
	}
}
