package metrics

import (
	"fmt"
	"math"
)

// SSIM constants, as in Wang et al. (2004) and scikit-image's defaults.
const (
	SSIMWindow = 7    // side of the uniform window
	SSIMK1     = 0.01 // C1 = (K1·L)²
	SSIMK2     = 0.03 // C2 = (K2·L)²
	dataRange  = 1.0  // L: pixel values span [0,1]
)

// SSIM returns the mean structural similarity of two CHW images of c×h×w
// values, computed as scikit-image's structural_similarity(a, b,
// channel_axis=0, data_range=1) does: 7×7 uniform window, K1 = 0.01,
// K2 = 0.03, sample (N−1) covariances, the SSIM map averaged over the pixels
// whose window lies inside the image, then over channels. NaN if h or w < 7.
func SSIM(a, b []float32, c, h, w int) float64 {
	checkImages("SSIM", a, b, 1, c, h, w)
	if h < SSIMWindow || w < SSIMWindow || c < 1 {
		return math.NaN()
	}
	s := newSSIMScratch(h, w)
	var sum float64
	for ch := range c {
		off := ch * h * w
		sum += s.channel(a[off:off+h*w], b[off:off+h*w], h, w)
	}
	return sum / float64(c)
}

// MeanSSIM is the average SSIM over n image pairs (orig_i, rec_i).
func MeanSSIM(orig, rec []float32, n, c, h, w int) float64 {
	checkImages("MeanSSIM", orig, rec, n, c, h, w)
	if n < 1 || h < SSIMWindow || w < SSIMWindow || c < 1 {
		return math.NaN()
	}
	s := newSSIMScratch(h, w)
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

// ssimScratch holds the five window-sum planes of one channel.
type ssimScratch struct {
	row [5][]float64 // horizontal 7-sums: h × (w−6)
}

func newSSIMScratch(h, w int) *ssimScratch {
	s := &ssimScratch{}
	for k := range s.row {
		s.row[k] = make([]float64, h*(w-SSIMWindow+1))
	}
	return s
}

// channel returns the mean of the SSIM map of one h×w plane over the
// positions whose 7×7 window fits in the plane.
func (s *ssimScratch) channel(x, y []float32, h, w int) float64 {
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

// Sharpness returns the high-frequency energy of one CHW image: the mean
// squared response to the discrete Laplacian
//
//	L(y,x) = p(y−1,x) + p(y+1,x) + p(y,x−1) + p(y,x+1) − 4·p(y,x)
//
// over the interior pixels (1 ≤ y < h−1, 1 ≤ x < w−1) of every channel.
// Blur lowers it; noise and sharp edges raise it. NaN if h or w < 3.
func Sharpness(img []float32, c, h, w int) float64 {
	if c < 0 || h < 0 || w < 0 || len(img) != c*h*w {
		panic(fmt.Sprintf("facemetrics: Sharpness of %d values for a %d×%d×%d image", len(img), c, h, w))
	}
	if h < 3 || w < 3 || c < 1 {
		return math.NaN()
	}
	var sum float64
	for ch := range c {
		p := img[ch*h*w : (ch+1)*h*w]
		for y := 1; y < h-1; y++ {
			for x := 1; x < w-1; x++ {
				i := y*w + x
				l := float64(p[i-w]) + float64(p[i+w]) + float64(p[i-1]) + float64(p[i+1]) - 4*float64(p[i])
				sum += l * l
			}
		}
	}
	return sum / float64(c*(h-2)*(w-2))
}

// SharpnessRatio is the mean over the n image pairs of
// Sharpness(rec_i) / Sharpness(orig_i): 1 when reconstructions keep the
// originals' fine detail, below 1 when they are blurrier (PCA and VAE
// reconstructions are), above 1 when they add high-frequency content.
// Pairs whose original has zero energy (a flat image) are left out; NaN if
// none is left.
func SharpnessRatio(orig, rec []float32, n, c, h, w int) float64 {
	checkImages("SharpnessRatio", orig, rec, n, c, h, w)
	size := c * h * w
	var sum float64
	used := 0
	for i := range n {
		eo := Sharpness(orig[i*size:(i+1)*size], c, h, w)
		if !(eo > 0) {
			continue
		}
		sum += Sharpness(rec[i*size:(i+1)*size], c, h, w) / eo
		used++
	}
	if used == 0 {
		return math.NaN()
	}
	return sum / float64(used)
}

func checkImages(fn string, a, b []float32, n, c, h, w int) {
	if n < 0 || c < 0 || h < 0 || w < 0 || len(a) != n*c*h*w || len(b) != len(a) {
		panic(fmt.Sprintf("facemetrics: %s of %d and %d values for %d images of %d×%d×%d", fn, len(a), len(b), n, c, h, w))
	}
}
