package vaegan

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"fmriface/infer/arch"
)

// TestWhitenIsExactReparametrisation: after Whiten, the training latents
// have zero mean and identity covariance, and every image the model makes
// from an encoded face is the image it made before.
func TestWhitenIsExactReparametrisation(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	w := trainedLike(t, cfg)
	r := rand.New(rand.NewPCG(7, 7))
	l, s := cfg.Latent, cfg.ImageSize
	n := 20 * l
	imgs := randomImages(r, n, s)
	before, err := NewInfer(w, n)
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	raw, err := before.Encode(imgs, n)
	if err != nil {
		t.Fatal(err)
	}
	ww, meta, err := Whiten(w, raw, n)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Images != n || !(meta.MinVariance > 0) || meta.MaxVariance < meta.MinVariance {
		t.Fatalf("meta %+v", meta)
	}
	after, err := NewInfer(ww, n)
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	z, err := after.Encode(imgs, n)
	if err != nil {
		t.Fatal(err)
	}
	// Moments of the whitened latents.
	var worstMean, worstCov float64
	for a := range l {
		var m float64
		for i := range n {
			m += float64(z[i*l+a])
		}
		worstMean = math.Max(worstMean, math.Abs(m/float64(n)))
		for b := range l {
			var c float64
			for i := range n {
				c += float64(z[i*l+a]) * float64(z[i*l+b])
			}
			c /= float64(n - 1)
			if a == b {
				c--
			}
			worstCov = math.Max(worstCov, math.Abs(c))
		}
	}
	if worstMean > 1e-4 || worstCov > 1e-3 {
		t.Fatalf("whitened latents: max |mean| %.2g, max |cov − I| %.2g", worstMean, worstCov)
	}
	// Same images from the same faces.
	imgBefore, err := before.Generate(raw, n)
	if err != nil {
		t.Fatal(err)
	}
	imgAfter, err := after.Generate(z, n)
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i, v := range imgBefore {
		worst = math.Max(worst, math.Abs(float64(v-imgAfter[i])))
	}
	if worst > 1e-4 {
		t.Fatalf("generated images moved by %.2g after whitening", worst)
	}
}

func TestWhitenRefuses(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	w := trainedLike(t, cfg)
	l := cfg.Latent
	r := rand.New(rand.NewPCG(1, 2))
	good := make([]float32, 4*l*l)
	for i := range good {
		good[i] = float32(r.NormFloat64())
	}
	collinear := append([]float32(nil), good...)
	for i := range 4 * l {
		collinear[i*l+1] = 2 * collinear[i*l] // dimension 1 copies dimension 0
	}
	ww, _, err := Whiten(w, good, 4*l)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		w       *Weights
		latents []float32
		n       int
	}{
		{"already whitened", ww, good, 4 * l},
		{"too few latents", w, good[:l*l], l},
		{"wrong length", w, good[:10], 4 * l},
		{"singular covariance", w, collinear, 4 * l},
	} {
		if _, _, err := Whiten(tc.w, tc.latents, tc.n); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestWhitenedModelRoundTrip: the map and its record survive SaveModelMeta
// and LoadModelMeta (float16), and a record without the map is refused.
func TestWhitenedModelRoundTrip(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	w := trainedLike(t, cfg)
	l := cfg.Latent
	r := rand.New(rand.NewPCG(3, 4))
	lat := make([]float32, 4*l*l)
	for i := range lat {
		lat[i] = float32(r.NormFloat64())
	}
	ww, meta, err := Whiten(w, lat, 4*l)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.npz")
	st := State{Format: StateFormat, Config: Config{Arch: cfg}}
	if err := SaveModelMeta(path, ww, ModelMeta{State: st, Whiten: &meta}); err != nil {
		t.Fatal(err)
	}
	got, mm, err := LoadModelMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Latent == nil || mm.Whiten == nil || mm.Whiten.Images != 4*l {
		t.Fatalf("latent map lost: %+v %+v", got.Latent, mm.Whiten)
	}
	for i, v := range ww.Latent.A {
		if d := math.Abs(float64(v - got.Latent.A[i])); d > 2e-3*math.Max(1, math.Abs(float64(v))) {
			t.Fatalf("A[%d] = %v, saved %v", i, got.Latent.A[i], v)
		}
	}
	if err := SaveModelMeta(path, ww, ModelMeta{State: st}); err == nil {
		t.Fatal("saved a latent map without its record")
	}
}
