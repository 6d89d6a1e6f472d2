package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Float32ToFloat16 converts f to IEEE 754 binary16 bits, rounding to nearest
// with ties to even. Values too large for half precision become ±Inf, values
// below half the smallest subnormal (2^-25) become ±0, subnormal results are
// exact to the rounding rule, and NaN stays a quiet NaN with the top bits of
// its payload.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15 // the half-precision biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign // below 2^-25: rounds to zero
		}
		// Subnormal half: value = m·2^-24. With the implicit bit, the
		// float's significand has 24 bits, of which 14-e are dropped.
		mant |= 0x800000
		shift := uint32(14 - e)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++ // may carry into the exponent: the smallest normal, correctly
		}
		return sign | uint16(half)
	}
	half := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // a carry out of the mantissa bumps the exponent, up to Inf
	}
	return sign | uint16(half)
}

// Float16ToFloat32 converts IEEE 754 binary16 bits to float32 exactly.
func Float16ToFloat32(h uint16) float32 {
	// Move exponent and mantissa into place and rebias the exponent; only
	// Inf/NaN and zero/subnormal inputs need a correction. A subnormal is
	// renormalized by a float subtraction, which is exact here, instead of a
	// loop. (After F. Giesen, "half_to_float_fast".)
	const expMask = 0x7c00 << 13
	o := uint32(h&0x7fff) << 13
	exp := o & expMask
	o += (127 - 15) << 23
	switch exp {
	case expMask: // Inf or NaN: the exponent must become all ones
		o += (128 - 16) << 23
	case 0: // zero or subnormal
		o += 1 << 23
		o = math.Float32bits(math.Float32frombits(o) - math.Float32frombits(113<<23))
	}
	return math.Float32frombits(o | uint32(h&0x8000)<<16)
}

func encodeF32(out []byte, data []float32) {
	for i, v := range data {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
	}
}

func decodeF32(dst []float32, p []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
	}
}

func encodeF16(out []byte, data []float32) error {
	for i, v := range data {
		h := Float32ToFloat16(v)
		if h&0x7fff == 0x7c00 && !math.IsInf(float64(v), 0) {
			return fmt.Errorf("quant: f16: element %d (%g) overflows half precision (max 65504)", i, v)
		}
		binary.LittleEndian.PutUint16(out[2*i:], h)
	}
	return nil
}

func decodeF16(dst []float32, p []byte) {
	for i := range dst {
		dst[i] = Float16ToFloat32(binary.LittleEndian.Uint16(p[2*i:]))
	}
}
