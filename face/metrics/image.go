package metrics

import (
	"fmt"
	"math"
)

// SSIM constants, as in Wang et al. (2004) and scikit-image's defaults.
const (
	SSIMWindow = 7    // side of the default (uniform) window
	SSIMK1     = 0.01 // C1 = (K1·L)²
	SSIMK2     = 0.03 // C2 = (K2·L)²
	dataRange  = 1.0  // L: pixel values span [0,1]
)

// Window is SSIM's local window: Side × Side pixels (odd), weighted by a
// Gaussian of standard deviation Sigma pixels (normalised to sum 1), or
// uniformly when Sigma is 0; the local variances and covariance are sample
// ones (N−1 normalisation, N = Side²) when SampleCovariance is set, else
// population ones.
type Window struct {
	Side             int
	Sigma            float64
	SampleCovariance bool
}

// UniformWindow is scikit-image's default window, the one SSIM and MeanSSIM
// use: 7×7 uniform, sample covariances (structural_similarity(a, b,
// data_range=1)).
func UniformWindow() Window { return Window{Side: SSIMWindow, SampleCovariance: true} }

// GaussianWindow is the reference settings of Wang et al. (2004), which the
// fMRI evaluation uses: 11×11 Gaussian with σ = 1.5, population moments
// (structural_similarity(a, b, data_range=1, gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False)).
func GaussianWindow() Window { return Window{Side: 11, Sigma: 1.5} }

// Layout is how an image's channels are stored.
type Layout int

const (
	CHW Layout = iota // channel planes one after another (the face model's layout)
	HWC               // channels interleaved per pixel
)

// Pixel is the element type of an image: float32 or float64.
type Pixel interface{ ~float32 | ~float64 }

// SSIM returns the mean structural similarity of two CHW images of c×h×w
// values, computed as scikit-image's structural_similarity(a, b,
// channel_axis=0, data_range=1) does: SSIMWith with the UniformWindow (7×7
// uniform window, K1 = 0.01, K2 = 0.03, sample (N−1) covariances). NaN if h
// or w < 7.
func SSIM(a, b []float32, c, h, w int) float64 {
	return SSIMWith(a, b, c, h, w, CHW, UniformWindow())
}

// SSIMWith returns the mean structural similarity (Wang et al. 2004) of two
// images of c channels of h×w pixels stored in layout, with window win,
// K1 = 0.01, K2 = 0.03 and dynamic range 1: the SSIM map over the pixels
// whose window lies inside the image ("valid"), averaged, then averaged over
// channels. NaN if h or w is smaller than the window or c < 1. It panics on
// lengths other than c·h·w or a window with Side < 1, a negative Sigma, or
// sample covariances of a single pixel.
func SSIMWith[T Pixel](a, b []T, c, h, w int, layout Layout, win Window) float64 {
	checkImages("SSIMWith", a, b, 1, c, h, w)
	if h < win.Side || w < win.Side || c < 1 {
		return math.NaN()
	}
	s := newSSIMScratch(h, w, win)
	var sum float64
	for ch := range c {
		off, stride := ch*h*w, 1
		if layout == HWC {
			off, stride = ch, c
		}
		sum += ssimChannel(s, a, b, off, stride, h, w)
	}
	return sum / float64(c)
}

// MeanSSIM is the average SSIM over n CHW image pairs (orig_i, rec_i).
func MeanSSIM(orig, rec []float32, n, c, h, w int) float64 {
	checkImages("MeanSSIM", orig, rec, n, c, h, w)
	if n < 1 || h < SSIMWindow || w < SSIMWindow || c < 1 {
		return math.NaN()
	}
	s := newSSIMScratch(h, w, UniformWindow())
	size := c * h * w
	var sum float64
	for i := range n {
		var im float64
		for ch := range c {
			im += ssimChannel(s, orig, rec, i*size+ch*h*w, 1, h, w)
		}
		sum += im / float64(c)
	}
	return sum / float64(n)
}

// ssimScratch holds a window's weights and the five horizontal window-sum
// planes of one channel.
type ssimScratch struct {
	side    int
	weights []float64 // along one axis: 1 (uniform) or the normalised Gaussian
	div     float64   // divides the 2-D weighted sums: Side² (uniform) or 1
	covNorm float64   // N/(N−1) for sample covariances, else 1
	row     [5][]float64
}

func newSSIMScratch(h, w int, win Window) *ssimScratch {
	if win.Side < 1 || win.Sigma < 0 || math.IsNaN(win.Sigma) || (win.SampleCovariance && win.Side < 2) {
		panic(fmt.Sprintf("metrics: SSIM window %+v", win))
	}
	s := &ssimScratch{side: win.Side, weights: make([]float64, win.Side), div: 1, covNorm: 1}
	if win.Sigma == 0 {
		for i := range s.weights {
			s.weights[i] = 1
		}
		s.div = float64(win.Side * win.Side)
	} else {
		var ws float64
		for i := range s.weights {
			d := float64(i - win.Side/2)
			s.weights[i] = math.Exp(-d * d / (2 * win.Sigma * win.Sigma))
			ws += s.weights[i]
		}
		for i := range s.weights {
			s.weights[i] /= ws
		}
	}
	if win.SampleCovariance {
		np := float64(win.Side * win.Side)
		s.covNorm = np / (np - 1)
	}
	for k := range s.row {
		s.row[k] = make([]float64, h*(w-win.Side+1))
	}
	return s
}

// ssimChannel returns the mean of the SSIM map of one h×w plane (pixel p of
// the plane at x[off+p·stride], y[off+p·stride]) over the positions whose
// window fits in the plane.
func ssimChannel[T Pixel](s *ssimScratch, x, y []T, off, stride, h, w int) float64 {
	win := s.side
	ow := w - win + 1
	// Weighted horizontal sums of x, y, x², y², xy along each row.
	for r := range h {
		for c0 := range ow {
			var sx, sy, sxx, syy, sxy float64
			for t := range win {
				p := off + (r*w+c0+t)*stride
				xv, yv, wt := float64(x[p]), float64(y[p]), s.weights[t]
				sx += wt * xv
				sy += wt * yv
				sxx += wt * (xv * xv)
				syy += wt * (yv * yv)
				sxy += wt * (xv * yv)
			}
			i := r*ow + c0
			s.row[0][i], s.row[1][i], s.row[2][i], s.row[3][i], s.row[4][i] = sx, sy, sxx, syy, sxy
		}
	}
	const c1 = (SSIMK1 * dataRange) * (SSIMK1 * dataRange)
	const c2 = (SSIMK2 * dataRange) * (SSIMK2 * dataRange)
	var total float64
	for r0 := 0; r0+win <= h; r0++ {
		for c0 := range ow {
			var m [5]float64
			for k := range 5 {
				p := s.row[k]
				var acc float64
				for t := range win {
					acc += s.weights[t] * p[(r0+t)*ow+c0]
				}
				m[k] = acc / s.div
			}
			ux, uy := m[0], m[1]
			vx := s.covNorm * (m[2] - ux*ux)
			vy := s.covNorm * (m[3] - uy*uy)
			vxy := s.covNorm * (m[4] - ux*uy)
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
		panic(fmt.Sprintf("metrics: Sharpness of %d values for a %d×%d×%d image", len(img), c, h, w))
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

func checkImages[T Pixel](fn string, a, b []T, n, c, h, w int) {
	if n < 0 || c < 0 || h < 0 || w < 0 || len(a) != n*c*h*w || len(b) != len(a) {
		panic(fmt.Sprintf("metrics: %s of %d and %d values for %d images of %d×%d×%d", fn, len(a), len(b), n, c, h, w))
	}
}
