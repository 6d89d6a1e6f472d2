package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/neuro/analysis"
	"fmriface/neuro/paper"
)

// fakeEval is an evaluation whose every subject scores the paper's group
// mean plus off (points) for each model and ROI.
func fakeEval(t *testing.T, seed int64, off map[string]float64) *analysis.Evaluation {
	t.Helper()
	ev := &analysis.Evaluation{}
	for _, s := range seedsSubjects {
		se := &analysis.SubjectEval{Subject: s, SimSeed: seed, Models: map[string]map[string]analysis.Metrics{}}
		for _, m := range seedsModels {
			se.Models[m] = map[string]analysis.Metrics{}
			for _, roi := range seedsROIs {
				_, pm, ok := paper.Lookup("pairwise", roi, m)
				if !ok {
					t.Fatalf("no paper value for %s %s", m, roi)
				}
				v := pm + off[m+"/"+roi]/100
				se.Models[m][roi] = analysis.Metrics{Pairwise: &v}
			}
		}
		ev.Subjects = append(ev.Subjects, se)
	}
	return ev
}

func TestSummariseSeeds(t *testing.T) {
	// Seed 1 at the paper but 5 points up for PCA all; seeds 2 and 3 move
	// VAE-GAN temporal by ±6 around it and put PCA ahead in frontoparietal.
	evs := []*analysis.Evaluation{
		fakeEval(t, 1, map[string]float64{"pca/all": 5}),
		fakeEval(t, 2, map[string]float64{"pca/all": 5, "vaegan/temporal": 6, "pca/frontoparietal": 10}),
		fakeEval(t, 3, map[string]float64{"pca/all": 5, "vaegan/temporal": -6, "pca/frontoparietal": 10}),
	}
	// Seed 2 is the calibration's: the held-out mean is seeds 1 and 3's.
	rep, err := summariseSeeds(evs, []int{1, 2, 3}, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	va := rep.Group["vaegan"]["all"]
	near("VAE-GAN all mean − paper", va.Mean-va.Paper, 0)
	if !va.MeanIn || va.SeedIn != 3 || va.PSeed != 1 {
		t.Errorf("VAE-GAN all: %+v, want within its bar on every seed", va)
	}
	pa := rep.Group["pca"]["all"]
	if pa.MeanIn || pa.SeedIn != 0 || pa.RepIn {
		t.Errorf("PCA all 5 points up: %+v, want outside its ±3 bar", pa)
	}
	vt := rep.Group["vaegan"]["temporal"]
	near("VAE-GAN temporal SD", vt.SD, 6)
	near("VAE-GAN temporal held-out mean − paper", vt.HeldOut.Mean-vt.Paper, -3)
	if h := vt.HeldOut; len(h.Seeds) != 2 || h.Seeds[0] != 1 || h.Seeds[1] != 3 || !h.MeanIn {
		t.Errorf("VAE-GAN temporal held out: %+v, want seeds 1 and 3, 3 points low, within ±4", h)
	}
	if h := rep.Gap["frontoparietal"].HeldOut; h.MeanIn {
		t.Errorf("frontoparietal gap held out %+v: want PCA ahead (seed 3)", h)
	}
	if !vt.MeanIn || vt.SeedIn != 1 {
		t.Errorf("VAE-GAN temporal: %+v, want the mean within ±4 but only the reporting seed", vt)
	}
	// Two seeds differ by N(0, 2·36): P(|d| ≤ 3) = 2Φ(3/(6√2)) − 1 ≈ 0.276.
	near("P(another seed within 3)", math.Round(vt.PSeed*1000)/1000, 0.276)
	fp := rep.Gap["frontoparietal"]
	if fp.SeedIn != 1 || fp.MeanIn {
		t.Errorf("frontoparietal gap %+v: want the VAE-GAN ahead on seed 1 only, and behind on average", fp)
	}
	if got := rep.SeedPairs; got.AllWithin != 0 || len(got.Within) != 2 || got.Within[0] != 6 {
		t.Errorf("other seeds against seed 1: %+v, want 6 of 8 within for seed 2 (temporal and frontoparietal PCA moved)", got)
	}
	md := seedsMarkdown(rep)
	for _, want := range []string{"not real brain data", "| VAE-GAN | temporal |", "seeds with the VAE-GAN ahead", "held out: 1, 3"} {
		if !strings.Contains(md, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if _, err := summariseSeeds(evs[1:], []int{2, 3}, nil); err == nil || !strings.Contains(err.Error(), "reporting seed") {
		t.Errorf("without the reporting seed: %v", err)
	}
	if _, err := summariseSeeds(evs, []int{1, 2, 3}, []int{1}); err == nil || !strings.Contains(err.Error(), "calibration seed") {
		t.Errorf("the reporting seed among the calibration seeds: %v", err)
	}
}

func TestReadSeedEvals(t *testing.T) {
	dir := t.TempDir()
	write := func(seed int, simSeed int64) {
		p := filepath.Join(dir, "seed-"+itoa(seed), "fmri", "eval.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(fakeEval(t, simSeed, nil))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(1, 1)
	write(2, 2)
	if _, _, err := readSeedEvals(dir); err == nil || !strings.Contains(err.Error(), "at least 3") {
		t.Errorf("two seeds: %v", err)
	}
	write(10, 10)
	os.MkdirAll(filepath.Join(dir, "seed-4", "data"), 0o755) // not evaluated yet
	_, seeds, err := readSeedEvals(dir)
	if err != nil || len(seeds) != 3 || seeds[2] != 10 {
		t.Errorf("seeds %v (%v), want 1, 2, 10 in order", seeds, err)
	}
	write(3, 7)
	if _, _, err := readSeedEvals(dir); err == nil || !strings.Contains(err.Error(), "seed 7") {
		t.Errorf("a folder whose evaluation has another seed: %v", err)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
