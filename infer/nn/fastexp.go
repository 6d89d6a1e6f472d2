package nn

import "math"

// The activations run on every pixel of every feature map, and under
// WebAssembly math.Exp in float64 cost about as much as a quarter of the
// generator's matrix products. These float32 versions are accurate to a few
// float32 ulps, far below the network's own float32 noise.

const (
	log2e = 1.44269504088896340736
	ln2hi = 0.693359375 // few significant bits: k·ln2hi is exact
	ln2lo = -2.12194440e-4
)

// expNeg returns eˣ for x ≤ 0 (0 below −87, where eˣ leaves the normal
// float32 range).
func expNeg(x float32) float32 {
	if x < -87 {
		return 0
	}
	// x = k·ln2 + r with |r| ≤ ln2/2; int32 truncates towards zero, which for
	// the negative t is a ceiling, so k is x·log2e rounded to nearest.
	t := x*log2e - 0.5
	k := int32(t)
	kf := float32(k)
	r := (x - kf*ln2hi) - kf*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// expm1Neg returns eˣ − 1 for x ≤ 0, accurate near 0 where eˣ − 1 cancels.
func expm1Neg(x float32) float32 {
	if x > -0.25 {
		// Taylor series; the first omitted term is below 4e-10.
		return x * (1 + x*(1.0/2+x*(1.0/6+x*(1.0/24+x*(1.0/120+x*(1.0/720+x*(1.0/5040)))))))
	}
	return expNeg(x) - 1
}
