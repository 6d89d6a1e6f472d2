package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"fmriface/contract/handoff"
	"fmriface/neuro/bids"
	"fmriface/neuro/decoding"
	"fmriface/neuro/glm"
	"fmriface/neuro/score"
	"fmriface/neuro/sim"
)

// testPool is a synthetic face pool: smooth colour blobs and gratings.
func testPool(n, nTrain, size int) *sim.Pool {
	rng := rand.New(rand.NewPCG(7, 11))
	attrs := []string{"Male", "Smiling"}
	p := &sim.Pool{Size: size, AttrNames: attrs}
	imgs := make([][]float32, n)
	for i := 0; i < n; i++ {
		male := i%2 == 1
		f := sim.PoolFace{Name: fmt.Sprintf("%06d.jpg", i+1), Male: male, Attr: []int8{-1, int8(2*rng.IntN(2) - 1)}}
		if male {
			f.Attr[0] = 1
		}
		p.Faces = append(p.Faces, f)
		img := make([]float32, 3*size*size)
		cx, cy := rng.Float64()*float64(size), rng.Float64()*float64(size)
		th := rng.Float64() * math.Pi
		lam := 3 + rng.Float64()*10
		col := [3]float64{rng.Float64(), rng.Float64(), rng.Float64()}
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				d := (float64(x)-cx)*(float64(x)-cx) + (float64(y)-cy)*(float64(y)-cy)
				blob := math.Exp(-d / (2 * 36))
				gr := 0.5 + 0.5*math.Sin(2*math.Pi*(float64(x)*math.Cos(th)+float64(y)*math.Sin(th))/lam)
				for c := 0; c < 3; c++ {
					img[c*size*size+y*size+x] = float32(0.2 + 0.5*blob*col[c] + 0.3*gr*col[(c+1)%3])
				}
			}
		}
		imgs[i] = img
		if i < nTrain {
			p.Train = append(p.Train, i)
		} else {
			p.Test = append(p.Test, i)
		}
	}
	p.Image = func(i int) []float32 { return imgs[i] }
	return p
}

// testDesign writes a small ds001761-like design: nRuns runs of nvols
// volumes, training faces, 10 + 10 recurring test faces, fixation,
// one-back repeats, and an imagery block in the second half of the runs.
func testDesign(t testing.TB, sub string, nRuns, nvols int) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "design")
	if err := bids.WriteDescription(root, bids.Description{Name: "test design", BIDSVersion: "1.8.0"}); err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= nRuns; r++ {
		e := bids.Entities{Subject: sub, Session: fmt.Sprintf("%02d", (r+1)/2), Task: "faces", Run: r}
		var ev []bids.Event
		onset := 6.0
		if r > nRuns/2 {
			ev = append(ev, bids.Event{Onset: onset, Duration: 12, TrialType: TrialImg, StimFile: "placeholders/fixation.png"})
			onset += 15
		}
		var last string
		for k := 0; onset < float64(nvols)*2-20; k++ {
			var e bids.Event
			g := "F"
			if k%2 == 0 {
				g = "M"
			}
			switch {
			case k%5 == 3:
				e = bids.Event{TrialType: "Fix", StimFile: "placeholders/fixation.png"}
			case k%11 == 5 && last != "":
				e = bids.Event{TrialType: TrialTrain, StimFile: last, OneBack: true}
			case k%3 == 1:
				e = bids.Event{TrialType: TrialTest, StimFile: fmt.Sprintf("sub%s/run%02d/%s%04d.jpg", sub, r, g, 9000+(k/3+r)%10)}
			default:
				e = bids.Event{TrialType: TrialTrain, StimFile: fmt.Sprintf("sub%s/run%02d/%s%04d.jpg", sub, r, g, 100*r+k)}
			}
			if e.TrialType == TrialTrain && !e.OneBack {
				last = e.StimFile
			} else {
				last = ""
			}
			e.Onset, e.Duration = onset, 1
			ev = append(ev, e)
			onset += 3
		}
		if err := bids.WriteEvents(e.File(root, "events", ".tsv"), ev); err != nil {
			t.Fatal(err)
		}
		if err := bids.WriteSidecar(e.File(root, "bold", ".json"), bids.Sidecar{RepetitionTime: 2, TaskName: "faces"}); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// coarseLatent is a small latent space the simulated brain can be decoded
// into linearly: the mean of each colour channel over a 2 × 2 grid of the
// image (12 dimensions), standardised.
func coarseLatent(p *sim.Pool) (map[string][]float64, int) {
	const L = 12
	s := p.Size
	z := map[string][]float64{}
	var all [][]float64
	for i, f := range p.Faces {
		img := p.Image(i)
		v := make([]float64, L)
		for c := 0; c < 3; c++ {
			for y := 0; y < s; y++ {
				for x := 0; x < s; x++ {
					v[c*4+2*(2*y/s)+2*x/s] += float64(img[c*s*s+y*s+x])
				}
			}
		}
		z[f.Name] = v
		all = append(all, v)
	}
	for k := 0; k < L; k++ {
		var m, ss float64
		for _, v := range all {
			m += v[k] / float64(len(all))
		}
		for _, v := range all {
			ss += (v[k] - m) * (v[k] - m) / float64(len(all))
		}
		for _, v := range all {
			v[k] = (v[k] - m) / math.Sqrt(ss)
		}
	}
	return z, L
}

// simulateSubject simulates virtual subject 01 on a synthetic design of runs
// runs of vols volumes and reads it back: the simulation folder and the data.
func simulateSubject(t *testing.T, runs, vols int, pool *sim.Pool, noise float64, grid [3]int) (string, *Data) {
	t.Helper()
	design := testDesign(t, "01", runs, vols)
	cfg := sim.DefaultConfig()
	cfg.Subjects, cfg.Noise = []string{"01"}, []float64{noise}
	cfg.Grid, cfg.NVols, cfg.NoFigure = grid, vols, true
	out := filepath.Join(t.TempDir(), "sim")
	if _, err := sim.Simulate(context.Background(), cfg, pool, sim.Options{DesignRoot: design, Out: out, Command: "test"}); err != nil {
		t.Fatal(err)
	}
	ds, err := sim.OpenDataset(out)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadSubject(ds, "01", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out, d
}

// TestPipelineEndToEnd simulates a tiny subject, fits, decodes and scores
// it: the decoding must be far above chance and the bookkeeping
// (selection, ROIs, patterns, results file) consistent.
func TestPipelineEndToEnd(t *testing.T) {
	pool := testPool(400, 360, 32)
	out, d := simulateSubject(t, 6, 120, pool, 0.3, [3]int{14, 16, 12})
	if len(d.Runs) != 6 || d.Runs[5].NVols != 120 {
		t.Fatalf("read %d runs", len(d.Runs))
	}
	stim, err := SimStimuli(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	zmap, L := coarseLatent(pool)
	latent := func(k string) ([]float64, bool) { v, ok := zmap[k]; return v, ok }
	mf, err := FitModel(d, stim, Model{Name: "coarse", L: L, Latent: latent},
		FitOptions{TAlpha: 0.05, FAlpha: 0.5, Ridge: true, RidgeFolds: 2, Curve: []float64{0.5}, Subsets: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkFitBookkeeping(t, mf)
	res := coarseResult(t, d, stim, pool, mf, zmap, L)
	res.BrainRDM = mf.BrainRDM
	path := filepath.Join(t.TempDir(), "sub-01", ResultFileName)
	if err := WriteResult(path, res); err != nil {
		t.Fatal(err)
	}
	back, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(back, EvalOptions{Draws: 20000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkCoarseScores(t, ev, mf.Lambda)
	checkRSA(t, ev)
}

// checkRSA: the brain's RDMs survive the results file and resemble the
// coarse latent's (the simulated voxels see the pixels it summarises).
func checkRSA(t *testing.T, ev *SubjectEval) {
	t.Helper()
	for _, roi := range roiNames {
		rho, ok := ev.RSA[roi]["coarse"]
		t.Logf("RSA %s: ρ %.3f", roi, rho)
		if !ok || math.IsNaN(rho) {
			t.Errorf("RSA %s against the coarse latent missing", roi)
		}
	}
	if rho := ev.RSA["all"]["coarse"]; rho < 0.1 {
		t.Errorf("RSA all voxels against the coarse latent: ρ %.3f, want ≥ 0.1 (0.18 when written; independent RDMs: |ρ| < 0.1)", rho)
	}
}

// checkFitBookkeeping checks the fit's decoders, ROIs, patterns and subsets
// (20 test faces, 2 subsets).
func checkFitBookkeeping(t *testing.T, mf *ModelFit) {
	t.Helper()
	if len(mf.ROIErrors) > 0 {
		t.Fatalf("ROI errors: %v", mf.ROIErrors)
	}
	checkExportContract(t, mf)
	n := len(mf.ROIs.Occipital) + len(mf.ROIs.Temporal) + len(mf.ROIs.Frontoparietal)
	if n != len(mf.Selected) || len(mf.ROIs.All) != n {
		t.Fatalf("ROIs %d+%d+%d of %d selected", len(mf.ROIs.Occipital), len(mf.ROIs.Temporal), len(mf.ROIs.Frontoparietal), len(mf.Selected))
	}
	if r, c := mf.TestPatterns.Dims(); r != 20 || c != len(mf.Selected) {
		t.Fatalf("test patterns %d×%d", r, c)
	}
	if r, _ := mf.Subsets.Dims(); r != 40 || mf.SubsetTrials[0] < 1 {
		t.Fatalf("subsets: %d rows, trials %v", r, mf.SubsetTrials)
	}
}

// coarseResult is the results record of the coarse model's fit, as
// `fmri fit` makes it: true and decoded latents, curve and male axis.
func coarseResult(t *testing.T, d *Data, stim *Stimuli, pool *sim.Pool, mf *ModelFit, zmap map[string][]float64, L int) *SubjectResult {
	t.Helper()
	res := &SubjectResult{Subject: "sub-01", Simulated: true, ImageryTarget: stim.ImageryTarget}
	var err error
	res.TestImages, res.TestKeys, err = TestFaces(d, stim)
	if err != nil {
		t.Fatal(err)
	}
	mr := ModelResult{Name: "coarse", L: L, Variants: []string{VariantOLS, VariantRidge}, NVoxels: map[string]int{},
		Test: map[string]map[string][][]float64{}, Imagery: map[string]map[string][]float64{}}
	for _, k := range res.TestKeys {
		res.TestMale = append(res.TestMale, stim.Male[k])
		mr.TrueTest = append(mr.TrueTest, zmap[k])
	}
	for _, f := range stim.Imagery {
		res.ImageryKeys = append(res.ImageryKeys, f.Key)
		mr.TrueImagery = append(mr.TrueImagery, zmap[f.Key])
	}
	for _, v := range mr.Variants {
		mr.Test[v], mr.Imagery[v] = map[string][][]float64{}, map[string][]float64{}
		for roi, z := range mf.Decoded[v].Test {
			mr.Test[v][roi] = rowsOf(z)
		}
		for roi, z := range mf.Decoded[v].Imagery {
			mr.Imagery[v][roi] = z
		}
	}
	for _, c := range mf.Curve {
		mr.Curve = append(mr.Curve, CurveInfo{Fraction: c.Fraction, NFaces: c.NFaces, Err: c.Err})
		mr.CurveTest = append(mr.CurveTest, rowsOf(c.Test))
	}
	var male, female [][]float64
	for _, i := range pool.Train {
		if pool.Faces[i].Male {
			male = append(male, zmap[pool.Faces[i].Name])
		} else {
			female = append(female, zmap[pool.Faces[i].Name])
		}
	}
	if mr.MaleAxis, err = score.MeanDifferenceAxis(male, female); err != nil {
		t.Fatal(err)
	}
	res.Models = []ModelResult{mr}
	return res
}

// checkCoarseScores checks the evaluation of the coarse model: far above
// chance, every measure present, ridge and curve included.
func checkCoarseScores(t *testing.T, ev *SubjectEval, lambda float64) {
	t.Helper()
	all := ev.Models["coarse"]["all"]
	t.Logf("pairwise all %.3f (p %.2g), 1-of-20 %.2f, occipital %.3f, ridge %.3f (λ %g)",
		*all.Pairwise, *all.PairwiseP, *all.OneOf20, *ev.Models["coarse"]["occipital"].Pairwise,
		*ev.Extras["coarse"].Ridge["all"].Pairwise, lambda)
	if *all.Pairwise < 0.8 || *all.PairwiseP > 0.001 {
		t.Errorf("pairwise %.3f (p %.3g): want ≥ 0.8, p ≤ 0.001", *all.Pairwise, *all.PairwiseP)
	}
	if *all.Pairwise > 0.99 {
		t.Logf("note: decoding is near perfect at this noise level")
	}
	if all.ImageryPairwise == nil || all.Gender == nil || all.OneOf20 == nil {
		t.Errorf("missing measures: %+v", all)
	}
	if r := ev.Extras["coarse"].Ridge["all"].Pairwise; r == nil || *r < 0.8 {
		t.Errorf("ridge pairwise %v", r)
	}
	if c := ev.Extras["coarse"].Curve; len(c) != 2 || c[1].Fraction != 1 || c[0].Pairwise == nil {
		t.Errorf("curve %+v", c)
	}
}

// checkExportContract checks what the exporter's subject file relies on
// (docs/fmri-outputs.md): for every ROI, the analysis's decoded latents are
// y[roi]·D + Means, with D the float32 decoder.<roi> (handoff.DecoderMatrix)
// and Means the one vector the file stores as latent.mean.
func checkExportContract(t *testing.T, mf *ModelFit) {
	t.Helper()
	n, _ := mf.TestPatterns.Dims()
	for _, name := range decoding.ROINames() {
		idx, _ := mf.ROIs.Get(name)
		D := handoff.DecoderMatrix(mf.Decoders[name])
		want := mf.Decoded["ols"].Test[name]
		for i := 0; i < n; i++ {
			for j := 0; j < mf.L; j++ {
				z := mf.Means[j]
				for k, v := range idx {
					z += mf.TestPatterns.At(i, v) * float64(D[k*mf.L+j])
				}
				if w := want.At(i, j); math.Abs(z-w) > 1e-4*(1+math.Abs(w)) {
					t.Fatalf("ROI %s face %d dim %d: y·D + Means = %v, the analysis decoded %v", name, i, j, z, w)
				}
			}
		}
	}
}

// The repetition subsets computed from the full fit's cross-products equal
// a direct fit of the split design.
func TestSplitsMatchDirectFit(t *testing.T) {
	pool := testPool(300, 260, 32)
	out, d := simulateSubject(t, 4, 100, pool, 1, [3]int{12, 14, 10})
	stim, err := SimStimuli(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	zmap, _ := coarseLatent(pool)
	m := Model{Name: "coarse", L: 4, Latent: func(k string) ([]float64, bool) { v, ok := zmap[k]; return v[:4], ok }}
	mf, err := FitModel(d, stim, m, FitOptions{TAlpha: 0.5, FAlpha: 0.5, Subsets: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	lay, err := BuildDesign(d, stim, DesignSpec{Latent: m.Latent, L: m.L, TestSplits: 2})
	if err != nil {
		t.Fatal(err)
	}
	ysel, err := decoding.Columns(d.Y, mf.Selected)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lay.Design.Fit(ysel, glm.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := len(lay.TestImages)
	for r := 0; r < 2; r++ {
		for i := 0; i < n; i++ {
			want := res.Beta.RawRowView(lay.Tests[r][i])
			got := mf.Subsets.RawRowView(r*n + i)
			for k := range want {
				if math.Abs(got[k]-want[k]) > 1e-6*(1+math.Abs(want[k])) {
					t.Fatalf("split %d face %d voxel %d: %g, direct fit %g", r, i, k, got[k], want[k])
				}
			}
		}
	}
}
