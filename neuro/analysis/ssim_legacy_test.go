package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// legacySSIM is this package's own SSIM as it was at commit 1b4d9b1, before
// SSIM became metrics.SSIMWith with the Gaussian window (frozen to prove
// that the fMRI evaluation's SSIM is unchanged bit for bit).
func legacySSIM(a, b []float64, width, height, channels int) (float64, error) {
	const win, sigma = 11, 1.5
	if width < win || height < win || channels < 1 || channels > 4 {
		return 0, fmt.Errorf("fmrieval: SSIM needs images of at least %d×%d with 1–4 channels, got %d×%d×%d", win, win, width, height, channels)
	}
	if n := width * height * channels; len(a) != n || len(b) != n {
		return 0, fmt.Errorf("fmrieval: SSIM images have %d and %d values, want %d", len(a), len(b), n)
	}
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) || math.IsInf(a[i], 0) || math.IsInf(b[i], 0) {
			return 0, fmt.Errorf("fmrieval: SSIM image value %d is not finite", i)
		}
	}
	w := make([]float64, win)
	var ws float64
	for i := range w {
		d := float64(i - win/2)
		w[i] = math.Exp(-d * d / (2 * sigma * sigma))
		ws += w[i]
	}
	for i := range w {
		w[i] /= ws
	}
	const c1, c2 = 0.01 * 0.01, 0.03 * 0.03
	ow, oh := width-win+1, height-win+1
	x := make([]float64, width*height)
	y := make([]float64, width*height)
	prods := make([][]float64, 5) // x, y, x², y², xy
	for i := range prods {
		prods[i] = make([]float64, width*height)
	}
	filt := make([][]float64, 5)
	tmp := make([]float64, ow*height)
	for i := range filt {
		filt[i] = make([]float64, ow*oh)
	}
	var total float64
	for c := 0; c < channels; c++ {
		for p := range x {
			x[p] = a[p*channels+c]
			y[p] = b[p*channels+c]
			prods[0][p], prods[1][p] = x[p], y[p]
			prods[2][p], prods[3][p], prods[4][p] = x[p]*x[p], y[p]*y[p], x[p]*y[p]
		}
		for k, src := range prods {
			// Separable valid filtering: rows, then columns.
			for r := 0; r < height; r++ {
				for q := 0; q < ow; q++ {
					var s float64
					for t := 0; t < win; t++ {
						s += w[t] * src[r*width+q+t]
					}
					tmp[r*ow+q] = s
				}
			}
			dst := filt[k]
			for r := 0; r < oh; r++ {
				for q := 0; q < ow; q++ {
					var s float64
					for t := 0; t < win; t++ {
						s += w[t] * tmp[(r+t)*ow+q]
					}
					dst[r*ow+q] = s
				}
			}
		}
		var sum float64
		for i := 0; i < ow*oh; i++ {
			mx, my := filt[0][i], filt[1][i]
			vx, vy, cxy := filt[2][i]-mx*mx, filt[3][i]-my*my, filt[4][i]-mx*my
			sum += (2*mx*my + c1) * (2*cxy + c2) / ((mx*mx + my*my + c1) * (vx + vy + c2))
		}
		total += sum / float64(ow*oh)
	}
	return total / float64(channels), nil
}

func TestSSIMBitIdenticalToLegacy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2004, 11))
	for _, s := range [][3]int{{11, 11, 1}, {24, 20, 3}, {32, 28, 3}, {64, 64, 3}, {13, 40, 2}} {
		w, h, c := s[0], s[1], s[2]
		for k := range 3 {
			a, b := make([]float64, w*h*c), make([]float64, w*h*c)
			for i := range a {
				a[i] = rng.Float64()
				b[i] = rng.Float64()
				if k == 0 {
					b[i] = 0.7*a[i] + 0.3*b[i]
				}
				if k == 2 && i%(w*c) < c { // a flat column
					a[i], b[i] = 0.5, 0.5
				}
			}
			got, err := SSIM(a, b, w, h, c)
			want, errWant := legacySSIM(a, b, w, h, c)
			if err != nil || errWant != nil || math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("%v case %d: SSIM %v (%v), before %v (%v)", s, k, got, err, want, errWant)
			}
		}
	}
}
