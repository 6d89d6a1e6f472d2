package pca

import (
	"math"
	"os"
	"testing"

	"fmriface/face/celeba"
)

// On real faces at 16×16 (D = 768, small enough for an exact
// eigendecomposition), the randomized fit matches the exact PCA and the
// reconstructions of held-out faces are close. Skipped without the data.
func TestRealFaces16(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := "../../../shared/faces/celeba"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no faces: %v", err)
	}
	// The 64×64 pixel cache is what the trainer keeps; 16×16 is a 4×4 box average of it.
	ds, err := celeba.Load(celeba.Options{Dir: dir, Size: 64, CacheDir: "../../out/cache"})
	if err != nil {
		t.Fatal(err)
	}
	sp := celeba.SplitByPerson(ds.Faces, 1, 0, 0.1)
	d := 3 * 16 * 16
	gather := func(idx []int) []float32 {
		out := make([]float32, 0, len(idx)*d)
		for _, i := range idx {
			out = append(out, shrink4(ds.Image(i), 3, 64)...)
		}
		return out
	}
	// A subset keeps the exact eigendecomposition and the test fast.
	train, test := gather(sp.Train[:min(3000, len(sp.Train))]), gather(sp.Test[:min(300, len(sp.Test))])
	n, k := len(train)/d, 100
	m, err := Fit(train, n, d, k, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Face spectra decay slowly, so with 2 power iterations the last
	// components are slightly off (the top of the spectrum is exact, and the
	// subspace keeps all but a sliver of the exact top-k variance).
	vals, vecs := exactPCA(t, train, n, d)
	var got, want float64
	for i := range k {
		rel := math.Abs(m.Explained[i]-vals[i]) / vals[i]
		if (i < k/2 && rel > 1e-3) || rel > 0.01 {
			t.Errorf("component %d: variance %g, exact %g", i, m.Explained[i], vals[i])
		}
		got += m.Explained[i]
		want += vals[i]
	}
	if got < 0.999*want {
		t.Errorf("top-%d variance %g, exact %g", k, got, want)
	}
	cs := cosines(m, vecs)
	if c := cs[len(cs)-1]; c < 0.95 {
		t.Errorf("smallest principal-angle cosine %.6f", c)
	}
	t.Logf("top-%d variance %.6g of exact %.6g; smallest principal-angle cosine %.4f", k, got, want, cs[len(cs)-1])
	// Faces are low-dimensional: 100 of 768 components keep most variance,
	// and held-out faces reconstruct with a small error.
	if r := m.ExplainedRatio(); r < 0.9 {
		t.Errorf("100 components keep %.3f of the variance", r)
	}
	nt := len(test) / d
	rec := m.DecodeAll(m.EncodeAll(test, nt), nt)
	var se, sv float64
	for i, v := range test {
		e := float64(rec[i] - v)
		dv := float64(v - m.Mean[i%d])
		se += e * e
		sv += dv * dv
	}
	t.Logf("%d train / %d test faces: %d components keep %.4f of the training variance, %.4f of the test variance",
		n, nt, k, m.ExplainedRatio(), 1-se/sv)
	if r := 1 - se/sv; r < 0.85 {
		t.Errorf("held-out faces: only %.3f of their variance reconstructed", r)
	}
}

// shrink4 averages 4×4 blocks of a c×s×s image.
func shrink4(img []float32, c, s int) []float32 {
	o := s / 4
	out := make([]float32, c*o*o)
	for ch := range c {
		for y := range s {
			for x := range s {
				out[ch*o*o+(y/4)*o+x/4] += img[ch*s*s+y*s+x] / 16
			}
		}
	}
	return out
}
