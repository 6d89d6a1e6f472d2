package analysis

import (
	"fmt"
	"math"

	"fmriface/face/metrics"
)

// SSIM returns the mean structural similarity (Wang et al. 2004) of two
// images of width×height pixels with channels interleaved (HWC order),
// values in [0, 1], with the reference settings: metrics.SSIMWith and
// metrics.GaussianWindow (an 11×11 Gaussian window with σ = 1.5, K1 = 0.01,
// K2 = 0.03, dynamic range 1, population moments, only windows that fit
// inside the image, the mean over channels). Unlike metrics.SSIMWith it
// reports a size mismatch, an image smaller than the window, more than 4
// channels or a value that is not finite as an error.
func SSIM(a, b []float64, width, height, channels int) (float64, error) {
	win := metrics.GaussianWindow()
	if width < win.Side || height < win.Side || channels < 1 || channels > 4 {
		return 0, fmt.Errorf("analysis: SSIM needs images of at least %d×%d with 1–4 channels, got %d×%d×%d", win.Side, win.Side, width, height, channels)
	}
	if n := width * height * channels; len(a) != n || len(b) != n {
		return 0, fmt.Errorf("analysis: SSIM images have %d and %d values, want %d", len(a), len(b), n)
	}
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) || math.IsInf(a[i], 0) || math.IsInf(b[i], 0) {
			return 0, fmt.Errorf("analysis: SSIM image value %d is not finite", i)
		}
	}
	return metrics.SSIMWith(a, b, channels, height, width, metrics.HWC, win), nil
}
