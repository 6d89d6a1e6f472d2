package decoding_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
	"fmriface/neuro/glm"
	"fmriface/neuro/score"
	"fmriface/util/corr"
)

// TestMiniExperiment runs the whole numerical chain on a miniature
// simulated experiment: latent-modulated training faces, repeated test
// faces and fixation, HRF-convolved responses W_true, drift and noise →
// design → fit → W (modulators + face bias) → decode the test-face betas →
// pairwise accuracy. The true latents must come back well above chance.
func TestMiniExperiment(t *testing.T) {
	const (
		dim, voxels, nTest = 6, 200, 5
		nRuns, nScans, tr  = 8, 200, 2.0
		noise              = 1.0
	)
	rng := rand.New(rand.NewPCG(42, 43))
	wTrue := mat.NewDense(dim+1, voxels, nil)
	for i := 0; i <= dim; i++ {
		for j := 0; j < voxels; j++ {
			wTrue.Set(i, j, rng.NormFloat64())
		}
	}
	// Latents with a mean that differs per dimension, so that forgetting to
	// add back the modulator means would show in the correlations.
	meanZ := make([]float64, dim)
	for k := range meanZ {
		meanZ[k] = 1.5 * math.Sin(float64(k))
	}
	testZ := make([][]float64, nTest)
	for i := range testZ {
		testZ[i] = make([]float64, dim)
		for k := range testZ[i] {
			testZ[i][k] = meanZ[k] + rng.NormFloat64()
		}
	}
	conv, err := glm.NewConvolver(tr, glm.Canonical(), 0, glm.SampleMiddle)
	if err != nil {
		t.Fatal(err)
	}
	var runs []glm.Run
	var ys []*mat.Dense
	for r := 0; r < nRuns; r++ {
		var events []glm.Event
		var lat [][]float64 // latent + bias per event (zero row for fixation)
		run := glm.Run{NumScans: nScans}
		var train []glm.Event
		var trainZ []float64
		test := make([][]glm.Event, nTest)
		for on := 6.0; on < nScans*tr-24; on += 3 {
			e := glm.Event{Onset: on, Duration: 1}
			switch u := rng.IntN(10); {
			case u < 2: // fixation: the unmodelled baseline
				continue
			case u < 4:
				k := rng.IntN(nTest)
				test[k] = append(test[k], e)
				lat = append(lat, append(append([]float64(nil), testZ[k]...), 1))
			default:
				z := make([]float64, dim)
				for i := range z {
					z[i] = meanZ[i] + rng.NormFloat64()
				}
				train = append(train, e)
				trainZ = append(trainZ, z...)
				lat = append(lat, append(z, 1))
			}
			events = append(events, e)
		}
		run.Conditions = append(run.Conditions,
			glm.Condition{Name: "face", Events: train, Modulators: mat.NewDense(len(train), dim, trainZ)})
		for k := range test {
			run.Conditions = append(run.Conditions, glm.Condition{Name: fmt.Sprintf("test%d", k+1), Events: test[k]})
		}
		motion := mat.NewDense(nScans, 6, nil)
		for i := 0; i < nScans; i++ {
			for j := 0; j < 6; j++ {
				motion.Set(i, j, 0.1*rng.NormFloat64())
			}
		}
		run.Confounds = motion
		runs = append(runs, run)

		resp, err := conv.Responses(events, nScans)
		if err != nil {
			t.Fatal(err)
		}
		l := mat.NewDense(len(lat), dim+1, nil)
		for i, v := range lat {
			l.SetRow(i, v)
		}
		var sig, y mat.Dense
		sig.Mul(l, wTrue)
		y.Mul(resp, &sig)
		for i := 0; i < nScans; i++ {
			for j := 0; j < voxels; j++ {
				y.Set(i, j, y.At(i, j)+100+0.01*float64(i)+noise*rng.NormFloat64())
			}
		}
		ys = append(ys, &y)
	}
	Y := mat.NewDense(nRuns*nScans, voxels, nil)
	for r, y := range ys {
		Y.Slice(r*nScans, (r+1)*nScans, 0, voxels).(*mat.Dense).Copy(y)
	}

	d, err := glm.BuildDesign(runs, glm.DesignOptions{TR: tr})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.FitInPlace(Y, glm.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	face, mods, _ := d.ConditionColumns("face")
	W, err := decoding.AssembleW(res.Beta, mods, face, nil)
	if err != nil {
		t.Fatal(err)
	}
	var testRows []int
	for k := 0; k < nTest; k++ {
		c, ok := d.Column(fmt.Sprintf("test%d", k+1))
		if !ok {
			t.Fatal("missing test column")
		}
		testRows = append(testRows, c)
	}
	patterns, err := decoding.Gather(res.Beta, testRows, allIdx(voxels))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := decoding.New(W)
	if err != nil {
		t.Fatal(err)
	}
	zhat, err := dec.DecodeRows(patterns)
	if err != nil {
		t.Fatal(err)
	}
	mu := d.ModulatorMeans["face"]
	decoded := score.Rows(zhat)
	for _, z := range decoded {
		for k := range z {
			z[k] += mu[k]
		}
	}
	pw, err := score.PairwiseAccuracy(decoded, testZ)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pairwise %.3f over %d pairs", pw.Accuracy, pw.Pairs)
	if pw.Accuracy < 0.9 {
		t.Errorf("pairwise accuracy %v on a clean simulation", pw.Accuracy)
	}
	for i, z := range decoded {
		r := corr.Pearson(z, testZ[i])
		t.Logf("test face %d: r = %.3f", i+1, r)
		if r < 0.8 {
			t.Errorf("test face %d: r(ẑ, z) = %.2f", i+1, r)
		}
	}
	// Voxel selection on the same fit: every voxel responds to faces here.
	c := make([]float64, len(d.TaskNames))
	c[face] = 1
	tmap, err := res.T(c)
	if err != nil {
		t.Fatal(err)
	}
	fmap, err := res.F(mods)
	if err != nil {
		t.Fatal(err)
	}
	fThr, _ := glm.FThreshold(0.001, len(mods), res.DOF)
	tThr, _ := glm.TThreshold(0.001, res.DOF)
	sel, err := decoding.Select(tmap, fmap, tThr, fThr)
	if err != nil {
		t.Fatal(err)
	}
	// Every voxel responds to the modulators; the face t follows the true
	// response at the mean latent, meanZ·W + bias (t ≈ 2.5 per unit here:
	// only the fixation trials separate face from baseline).
	in := map[int]bool{}
	for _, j := range sel {
		in[j] = true
	}
	for j := 0; j < voxels; j++ {
		atMean := wTrue.At(dim, j)
		for k := 0; k < dim; k++ {
			atMean += meanZ[k] * wTrue.At(k, j)
		}
		if (atMean > 2.5 && !in[j]) || (atMean < 0 && in[j]) {
			t.Errorf("voxel %d: response at the mean face %.2f, t %.1f, F %.1f, selected %v", j, atMean, tmap[j], fmap[j], in[j])
		}
	}
}

func allIdx(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
