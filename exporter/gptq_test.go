package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"fmriface/bundle/quant"
)

// TestGPTQ: on its calibration inputs, the calibrated rounding changes x·d
// far less than plain rounding does, and what it returns is what the
// encoding stores (encoding it again changes nothing).
func TestGPTQ(t *testing.T) {
	const rows, cols, n = 300, 64, 20
	rng := rand.New(rand.NewPCG(1, 2))
	d := make([]float32, rows*cols)
	for i := range d {
		d[i] = float32(rng.NormFloat64())
	}
	x := make([]float32, n*rows)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	// held are inputs the rounding was not calibrated on.
	held := make([]float32, n*rows)
	for i := range held {
		held[i] = float32(rng.NormFloat64())
	}
	outErrOn := func(x, q []float32) float64 {
		s := 0.0
		for i := range n {
			for j := range cols {
				e := 0.0
				for r := range rows {
					e += float64(x[i*rows+r]) * float64(q[r*cols+j]-d[r*cols+j])
				}
				s += e * e
			}
		}
		return math.Sqrt(s)
	}
	outErr := func(q []float32) float64 { return outErrOn(x, q) }
	for _, tc := range []struct {
		k        quant.Kind
		maxRatio float64
	}{{quant.Q4, 0.2}, {quant.Q8, 0.2}} {
		plain, err := quant.RoundTrip(tc.k, []int{rows, cols}, d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := gptq(tc.k, d, rows, cols, x)
		if err != nil {
			t.Fatal(err)
		}
		again, err := quant.RoundTrip(tc.k, []int{rows, cols}, got)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again, got) {
			t.Errorf("%v: the calibrated values are not what the encoding stores", tc.k)
		}
		ep, eg := outErr(plain), outErr(got)
		hp, hg := outErrOn(held, plain), outErrOn(held, got)
		t.Logf("%v: output error %.4g plain, %.4g calibrated; on other inputs %.4g plain, %.4g calibrated", tc.k, ep, eg, hp, hg)
		if hg > 3*hp {
			t.Errorf("%v: on other inputs the error grew from %.4g to %.4g", tc.k, hp, hg)
		}
		if eg > tc.maxRatio*ep {
			t.Errorf("%v: output error %.4g calibrated against %.4g plain, want under %.1f×", tc.k, eg, ep, tc.maxRatio)
		}
	}
	if _, err := gptq(quant.Q4, d, rows, cols+1, x); err == nil {
		t.Error("a wrong shape was accepted")
	}
}
