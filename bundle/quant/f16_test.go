package quant

import (
	"math"
	"testing"
)

func TestFloat16Known(t *testing.T) {
	tests := []struct {
		f float32
		h uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00},
		{-2, 0xc000},
		{0.333251953125, 0x3555},
		{65504, 0x7bff},
		{65519.99, 0x7bff},              // just below the midpoint to Inf
		{65520, 0x7c00},                 // the midpoint: ties to even, which is Inf
		{1e6, 0x7c00},                   // overflow
		{-1e6, 0xfc00},                  // overflow
		{float32(math.Inf(1)), 0x7c00},  // Inf stays Inf
		{float32(math.Inf(-1)), 0xfc00}, // -Inf stays -Inf
		{0x1p-14, 0x0400},               // smallest normal
		{0x1p-24, 0x0001},               // smallest subnormal
		{0x1p-25, 0x0000},               // half the smallest subnormal: ties to even (0)
		{0x1.000002p-25, 0x0001},        // just above: rounds up
		{0x3p-25, 0x0002},               // 1.5 subnormal ulps: ties to even (2)
		{0x1p-26, 0x0000},               // underflow
		{-0x1p-24, 0x8001},              // negative subnormal
		{0x1.ff8p-15, 0x03ff},           // largest subnormal
		{0x1.ffcp-15, 0x0400},           // tie: even is up, the smallest normal
		{1 + 0x1p-11, 0x3c00},           // tie between 1 and next: even (1)
		{1 + 0x3p-11, 0x3c02},           // tie: even is up
		{float32(math.SmallestNonzeroFloat32), 0},
	}
	for _, tc := range tests {
		if got := Float32ToFloat16(tc.f); got != tc.h {
			t.Errorf("Float32ToFloat16(%g) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	nan := Float32ToFloat16(float32(math.NaN()))
	if nan&0x7c00 != 0x7c00 || nan&0x3ff == 0 {
		t.Errorf("Float32ToFloat16(NaN) = %#04x, not a NaN", nan)
	}
	if f := Float16ToFloat32(nan); !math.IsNaN(float64(f)) {
		t.Errorf("Float16ToFloat32(%#04x) = %g, want NaN", nan, f)
	}
}

// TestFloat16Exhaustive checks every half value: decoding is exact (against a
// float64 formula) and encoding the decoded value gives the same bits back.
func TestFloat16Exhaustive(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := Float16ToFloat32(h)
		e, m := int(h>>10&0x1f), float64(h&0x3ff)
		var want float64
		switch e {
		case 0x1f:
			if m != 0 {
				if !math.IsNaN(float64(f)) {
					t.Fatalf("%#04x decodes to %g, want NaN", h, f)
				}
				continue
			}
			want = math.Inf(1)
		case 0:
			want = m * 0x1p-24
		default:
			want = (1 + m/1024) * math.Ldexp(1, e-15)
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if float64(f) != want || math.Signbit(float64(f)) != (h&0x8000 != 0) {
			t.Fatalf("Float16ToFloat32(%#04x) = %g, want %g", h, f, want)
		}
		if back := Float32ToFloat16(f); back != h {
			t.Fatalf("round trip %#04x → %g → %#04x", h, f, back)
		}
	}
}

// TestFloat16Rounding checks round-to-nearest-even at every midpoint between
// consecutive finite halves, and one float32 ulp either side of it.
func TestFloat16Rounding(t *testing.T) {
	for h := uint16(0); h < 0x7bff; h++ {
		lo, hi := Float16ToFloat32(h), Float16ToFloat32(h+1)
		mid := float32((float64(lo) + float64(hi)) / 2) // exact: 12 significant bits
		even := h
		if h&1 == 1 {
			even = h + 1
		}
		for _, sign := range []float32{1, -1} {
			s := uint16(0)
			if sign < 0 {
				s = 0x8000
			}
			check := func(x float32, want uint16) {
				if got := Float32ToFloat16(sign * x); got != want|s {
					t.Fatalf("Float32ToFloat16(%g) = %#04x, want %#04x", sign*x, got, want|s)
				}
			}
			check(mid, even)
			check(math.Nextafter32(mid, 0), h)
			check(math.Nextafter32(mid, 1e9), h+1)
		}
	}
}
