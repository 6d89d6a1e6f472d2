package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSSIM(t *testing.T) {
	const w, h, ch = 24, 20, 3
	img := make([]float64, w*h*ch)
	for i := range img {
		img[i] = 0.5 + 0.4*math.Sin(float64(i%(w*ch))/5)*math.Cos(float64(i/(w*ch))/3)
	}
	if s, err := SSIM(img, img, w, h, ch); err != nil || math.Abs(s-1) > 1e-12 {
		t.Errorf("SSIM(x, x) = %v %v", s, err)
	}
	// A constant image against a constant image of another level: only the
	// luminance term differs, (2·μx·μy + C1)/(μx² + μy² + C1).
	c1 := make([]float64, w*h)
	c2 := make([]float64, w*h)
	for i := range c1 {
		c1[i], c2[i] = 0.2, 0.6
	}
	want := (2*0.2*0.6 + 1e-4) / (0.04 + 0.36 + 1e-4)
	if s, _ := SSIM(c1, c2, w, h, 1); math.Abs(s-want) > 1e-12 {
		t.Errorf("constant images: %v, want %v", s, want)
	}
	// Inverting the contrast makes the structure term negative.
	inv := make([]float64, len(img))
	for i, v := range img {
		inv[i] = 1 - v
	}
	sInv, _ := SSIM(img, inv, w, h, ch)
	sInv2, _ := SSIM(inv, img, w, h, ch)
	if sInv >= 0 || sInv != sInv2 {
		t.Errorf("inverted image: %v (reversed %v)", sInv, sInv2)
	}
	if _, err := SSIM(img, img[:10], w, h, ch); err == nil {
		t.Error("size mismatch accepted")
	}
	if _, err := SSIM(c1[:100], c1[:100], 10, 10, 1); err == nil {
		t.Error("image smaller than the window accepted")
	}
}

// TestSSIMMatchesSkimage: the reference value came from scikit-image 0.19.3,
// structural_similarity(a, b, channel_axis=2, gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False, data_range=1.0), on these images.
func TestSSIMMatchesSkimage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	w, h, c := 32, 28, 3
	a := make([]float64, w*h*c)
	b := make([]float64, w*h*c)
	for i := range a {
		a[i] = r.Float64()
		b[i] = 0.7*a[i] + 0.3*r.Float64()
	}
	s, err := SSIM(a, b, w, h, c)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s-0.872241319033) > 1e-9 {
		t.Errorf("SSIM %.12f, scikit-image 0.872241319033", s)
	}
}
