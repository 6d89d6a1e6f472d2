package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWhitenerRescuesTheAxisRule builds two classes separated along two
// directions, one of which a large nuisance also loads on: the mean-
// difference axis through the origin does poorly on the raw latents and
// close to the optimum after whitening; the whitened reference set has
// identity covariance.
func TestWhitenerRescuesTheAxisRule(t *testing.T) {
	const n, d = 4000, 6
	r := rand.New(rand.NewPCG(7, 7))
	gen := func(m int) ([]float32, []bool) {
		z := make([]float32, m*d)
		has := make([]bool, m)
		for i := range m {
			has[i] = i%2 == 0
			shift := -0.5
			if has[i] {
				shift = 0.5
			}
			nuis := 4 * r.NormFloat64() // large spread along the first axis only
			z[i*d+0] = float32(shift + nuis + 0.3*r.NormFloat64())
			z[i*d+1] = float32(shift + 0.3*r.NormFloat64())
			for k := 2; k < d; k++ {
				z[i*d+k] = float32(r.NormFloat64())
			}
		}
		return z, has
	}
	train, trainHas := gen(n)
	test, testHas := gen(n)
	raw := SignAccuracy(test, n, d, GenderAxis(train, n, d, trainHas), testHas)
	wh, err := NewWhitener(train, n, d)
	if err != nil {
		t.Fatal(err)
	}
	wTrain, wTest := wh.Apply(train, n), wh.Apply(test, n)
	white := SignAccuracy(wTest, n, d, GenderAxis(wTrain, n, d, trainHas), testHas)
	t.Logf("axis rule: raw %.3f, whitened %.3f", raw, white)
	if !(white > 0.9 && white > raw+0.1) {
		t.Errorf("whitened accuracy %.3f, raw %.3f: want > 0.9 and 0.1 above raw", white, raw)
	}
	for a := range d {
		for b := range d {
			var s float64
			for i := range n {
				s += float64(wTrain[i*d+a]) * float64(wTrain[i*d+b])
			}
			s /= n - 1
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(s-want) > 1e-3 {
				t.Fatalf("whitened covariance [%d][%d] = %.4f, want %v", a, b, s, want)
			}
		}
	}
	if _, err := NewWhitener(train[:5], 1, 5); err == nil {
		t.Error("one latent: no error")
	}
}
