package analysis

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
	"fmriface/neuro/sim"
)

// TestStreamedFitMatchesInMemory fits the same small subject read whole and
// read streamed (one run at a time): the selection, W, the test and imagery
// patterns, the subsets and the decoded latents must agree.
func TestStreamedFitMatchesInMemory(t *testing.T) {
	pool := testPool(300, 260, 32)
	out, d := simulateSubject(t, 4, 100, pool, 1, [3]int{12, 14, 10})
	stim, err := SimStimuli(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := sim.OpenDataset(out)
	if err != nil {
		t.Fatal(err)
	}
	ds2, err := ReadSubject(ds, "01", ReadOptions{Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	if ds2.Y != nil || !ds2.Streamed() || ds2.NScans != d.NScans || len(ds2.Voxels) != len(d.Voxels) {
		t.Fatalf("streamed read: Y %v, %d scans, %d voxels; want nil, %d, %d", ds2.Y != nil, ds2.NScans, len(ds2.Voxels), d.NScans, len(d.Voxels))
	}
	y0, _, err := ds2.ReadRun(0)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := y0.Dims(); !mat.Equal(y0, d.Y.Slice(0, r, 0, c)) {
		t.Error("ReadRun(0) differs from the first run's rows of Y")
	}
	zmap, _ := coarseLatent(pool)
	m := Model{Name: "coarse", L: 4, Latent: func(k string) ([]float64, bool) { v, ok := zmap[k]; return v[:4], ok }}
	m3 := Model{Name: "coarse3", L: 3, Latent: func(k string) ([]float64, bool) { v, ok := zmap[k]; return v[1:4], ok }}
	opt := FitOptions{TAlpha: 0.5, FAlpha: 0.5, Subsets: 2, Seed: 1}
	wants, err := FitModels(d, stim, []Model{m, m3}, opt)
	if err != nil {
		t.Fatal(err)
	}
	// Both models from one pass over the runs.
	gots, err := FitModels(ds2, stim, []Model{m, m3}, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range gots {
		t.Run(gots[i].Model, func(t *testing.T) { compareFits(t, gots[i], wants[i]) })
	}
	_, err = FitModel(ds2, stim, m, FitOptions{Ridge: true})
	if err == nil || !strings.Contains(err.Error(), "ridge") {
		t.Errorf("streamed ridge fit: error %v, want one naming the ridge variant", err)
	}
}

// compareFits checks that a streamed fit equals the in-memory one.
func compareFits(t *testing.T, got, want *ModelFit) {
	if len(got.Selected) != len(want.Selected) || got.DOF != want.DOF {
		t.Fatalf("selected %d voxels, DOF %d; in memory %d, %d", len(got.Selected), got.DOF, len(want.Selected), want.DOF)
	}
	for i := range got.Selected {
		if got.Selected[i] != want.Selected[i] {
			t.Fatalf("selection differs at %d", i)
		}
	}
	for _, c := range []struct {
		name      string
		got, want *mat.Dense
	}{
		{"W", got.W, want.W},
		{"test patterns", got.TestPatterns, want.TestPatterns},
		{"subsets", got.Subsets, want.Subsets},
		{"decoded (all)", got.Decoded["ols"].Test[decoding.ROIAll], want.Decoded["ols"].Test[decoding.ROIAll]},
	} {
		if c.got == nil || c.want == nil {
			t.Errorf("%s: missing (streamed %v, in memory %v)", c.name, c.got != nil, c.want != nil)
			continue
		}
		if d := maxRelDiff(c.got, c.want); d > 1e-7 {
			t.Errorf("%s differ by %g (relative)", c.name, d)
		}
	}
	for k := range want.ImageryPattern {
		if math.Abs(got.ImageryPattern[k]-want.ImageryPattern[k]) > 1e-7*(1+math.Abs(want.ImageryPattern[k])) {
			t.Fatalf("imagery pattern differs at %d", k)
		}
	}
}

func maxRelDiff(a, b *mat.Dense) float64 {
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != rb || ca != cb {
		return math.Inf(1)
	}
	var m float64
	for i := 0; i < ra; i++ {
		for j := 0; j < ca; j++ {
			x, y := a.At(i, j), b.At(i, j)
			m = math.Max(m, math.Abs(x-y)/(1+math.Abs(y)))
		}
	}
	return m
}
