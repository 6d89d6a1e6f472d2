package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// legacySSIM and legacyMeanSSIM are this package's SSIM as it was at commit
// 1b4d9b1, before the window became a parameter (frozen to prove that
// SSIM's and MeanSSIM's results are unchanged bit for bit).
func legacySSIM(a, b []float32, c, h, w int) float64 {
	if h < SSIMWindow || w < SSIMWindow || c < 1 {
		return math.NaN()
	}
	s := newLegacySSIMScratch(h, w)
	var sum float64
	for ch := range c {
		off := ch * h * w
		sum += s.channel(a[off:off+h*w], b[off:off+h*w], h, w)
	}
	return sum / float64(c)
}

// MeanSSIM is the average SSIM over n image pairs (orig_i, rec_i).
func legacyMeanSSIM(orig, rec []float32, n, c, h, w int) float64 {
	if n < 1 || h < SSIMWindow || w < SSIMWindow || c < 1 {
		return math.NaN()
	}
	s := newLegacySSIMScratch(h, w)
	size := c * h * w
	var sum float64
	for i := range n {
		var im float64
		for ch := range c {
			off := i*size + ch*h*w
			im += s.channel(orig[off:off+h*w], rec[off:off+h*w], h, w)
		}
		sum += im / float64(c)
	}
	return sum / float64(n)
}

// legacySSIMScratch holds the five window-sum planes of one channel.
type legacySSIMScratch struct {
	row [5][]float64 // horizontal 7-sums: h × (w−6)
}

func newLegacySSIMScratch(h, w int) *legacySSIMScratch {
	s := &legacySSIMScratch{}
	for k := range s.row {
		s.row[k] = make([]float64, h*(w-SSIMWindow+1))
	}
	return s
}

// channel returns the mean of the SSIM map of one h×w plane over the
// positions whose 7×7 window fits in the plane.
func (s *legacySSIMScratch) channel(x, y []float32, h, w int) float64 {
	const win = SSIMWindow
	ow := w - win + 1
	// Horizontal sums of x, y, x², y², xy along each row.
	for r := range h {
		xr, yr := x[r*w:(r+1)*w], y[r*w:(r+1)*w]
		for c0 := range ow {
			var sx, sy, sxx, syy, sxy float64
			for k := c0; k < c0+win; k++ {
				xv, yv := float64(xr[k]), float64(yr[k])
				sx += xv
				sy += yv
				sxx += xv * xv
				syy += yv * yv
				sxy += xv * yv
			}
			i := r*ow + c0
			s.row[0][i], s.row[1][i], s.row[2][i], s.row[3][i], s.row[4][i] = sx, sy, sxx, syy, sxy
		}
	}
	np := float64(win * win)
	covNorm := np / (np - 1)
	c1 := (SSIMK1 * dataRange) * (SSIMK1 * dataRange)
	c2 := (SSIMK2 * dataRange) * (SSIMK2 * dataRange)
	var total float64
	for r0 := 0; r0+win <= h; r0++ {
		for c0 := range ow {
			var m [5]float64
			for k := range 5 {
				p := s.row[k]
				var acc float64
				for r := r0; r < r0+win; r++ {
					acc += p[r*ow+c0]
				}
				m[k] = acc / np
			}
			ux, uy := m[0], m[1]
			vx := covNorm * (m[2] - ux*ux)
			vy := covNorm * (m[3] - uy*uy)
			vxy := covNorm * (m[4] - ux*uy)
			total += ((2*ux*uy + c1) * (2*vxy + c2)) / ((ux*ux + uy*uy + c1) * (vx + vy + c2))
		}
	}
	return total / float64((h-win+1)*ow)
}

// randImages returns n CHW images with float32 values in [0, 1]: smooth
// texture, noise and flat patches.
func randImages(rng *rand.Rand, n, c, h, w int) []float32 {
	out := make([]float32, n*c*h*w)
	for i := range out {
		p := i % (h * w)
		v := 0.5 + 0.3*math.Sin(float64(p%w)/3+float64(i/(h*w)))*math.Cos(float64(p/w)/4) + 0.15*rng.NormFloat64()
		if p%w < 2 {
			v = 0.25
		}
		out[i] = float32(math.Max(0, math.Min(1, v)))
	}
	return out
}

func TestSSIMBitIdenticalToLegacy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2004, 7))
	for _, s := range [][3]int{{1, 7, 7}, {3, 12, 10}, {3, 16, 20}, {2, 9, 30}, {3, 64, 64}} {
		c, h, w := s[0], s[1], s[2]
		n := 3
		a, b := randImages(rng, n, c, h, w), randImages(rng, n, c, h, w)
		for i := range b[:c*h*w] { // the first pair related
			b[i] = 0.6*a[i] + 0.4*b[i]
		}
		size := c * h * w
		for i := range n {
			x, y := a[i*size:(i+1)*size], b[i*size:(i+1)*size]
			if got, want := SSIM(x, y, c, h, w), legacySSIM(x, y, c, h, w); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("%v image %d: SSIM %v, before %v", s, i, got, want)
			}
		}
		if got, want := MeanSSIM(a, b, n, c, h, w), legacyMeanSSIM(a, b, n, c, h, w); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%v: MeanSSIM %v, before %v", s, got, want)
		}
	}
}
