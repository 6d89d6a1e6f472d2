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

// Sizes of the miniature experiment.
const (
	miniDim, miniVoxels, miniTest = 6, 200, 5
	miniRuns, miniScans, miniTR   = 8, 200, 2.0
	miniNoise                     = 1.0
)

// miniExperiment is a simulated miniature experiment: its runs' design
// (events, modulators, motion) and data, and the truth behind them.
type miniExperiment struct {
	wTrue *mat.Dense  // (dim+1) × voxels, bias row last
	meanZ []float64   // population mean latent
	testZ [][]float64 // the test faces' latents
	runs  []glm.Run
	Y     *mat.Dense // all runs' scans × voxels
}

// TestMiniExperiment runs the whole numerical chain on a miniature
// simulated experiment: latent-modulated training faces, repeated test
// faces and fixation, HRF-convolved responses W_true, drift and noise →
// design → fit → W (modulators + face bias) → decode the test-face betas →
// pairwise accuracy. The true latents must come back well above chance.
func TestMiniExperiment(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 43))
	ex := newMiniExperiment(t, rng)
	d, err := glm.BuildDesign(ex.runs, glm.DesignOptions{TR: miniTR})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.FitInPlace(ex.Y, glm.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	face, mods, _ := d.ConditionColumns("face")
	checkMiniDecoding(t, ex, d, res, face, mods)
	checkMiniSelection(t, ex, d, res, face, mods)
}

// newMiniExperiment draws the true map and the test latents, then
// simulates every run.
func newMiniExperiment(t *testing.T, rng *rand.Rand) *miniExperiment {
	ex := &miniExperiment{wTrue: mat.NewDense(miniDim+1, miniVoxels, nil)}
	for i := 0; i <= miniDim; i++ {
		for j := 0; j < miniVoxels; j++ {
			ex.wTrue.Set(i, j, rng.NormFloat64())
		}
	}
	// Latents with a mean that differs per dimension, so that forgetting to
	// add back the modulator means would show in the correlations.
	ex.meanZ = make([]float64, miniDim)
	for k := range ex.meanZ {
		ex.meanZ[k] = 1.5 * math.Sin(float64(k))
	}
	ex.testZ = make([][]float64, miniTest)
	for i := range ex.testZ {
		ex.testZ[i] = make([]float64, miniDim)
		for k := range ex.testZ[i] {
			ex.testZ[i][k] = ex.meanZ[k] + rng.NormFloat64()
		}
	}
	conv, err := glm.NewConvolver(miniTR, glm.Canonical(), 0, glm.SampleMiddle)
	if err != nil {
		t.Fatal(err)
	}
	ex.Y = mat.NewDense(miniRuns*miniScans, miniVoxels, nil)
	for r := 0; r < miniRuns; r++ {
		run, y := ex.simulateRun(t, rng, conv)
		ex.runs = append(ex.runs, run)
		ex.Y.Slice(r*miniScans, (r+1)*miniScans, 0, miniVoxels).(*mat.Dense).Copy(y)
	}
	return ex
}

// simulateRun draws one run's trials (fixation, test faces, training faces
// with random latents) and motion, and its data: the HRF-convolved
// response [z, 1]·W_true of every trial plus a baseline, a drift and noise.
func (ex *miniExperiment) simulateRun(t *testing.T, rng *rand.Rand, conv *glm.Convolver) (glm.Run, *mat.Dense) {
	var events []glm.Event
	var lat [][]float64 // latent + bias per event (zero row for fixation)
	run := glm.Run{NumScans: miniScans}
	var train []glm.Event
	var trainZ []float64
	test := make([][]glm.Event, miniTest)
	for on := 6.0; on < miniScans*miniTR-24; on += 3 {
		e := glm.Event{Onset: on, Duration: 1}
		switch u := rng.IntN(10); {
		case u < 2: // fixation: the unmodelled baseline
			continue
		case u < 4:
			k := rng.IntN(miniTest)
			test[k] = append(test[k], e)
			lat = append(lat, append(append([]float64(nil), ex.testZ[k]...), 1))
		default:
			z := make([]float64, miniDim)
			for i := range z {
				z[i] = ex.meanZ[i] + rng.NormFloat64()
			}
			train = append(train, e)
			trainZ = append(trainZ, z...)
			lat = append(lat, append(z, 1))
		}
		events = append(events, e)
	}
	run.Conditions = append(run.Conditions,
		glm.Condition{Name: "face", Events: train, Modulators: mat.NewDense(len(train), miniDim, trainZ)})
	for k := range test {
		run.Conditions = append(run.Conditions, glm.Condition{Name: fmt.Sprintf("test%d", k+1), Events: test[k]})
	}
	motion := mat.NewDense(miniScans, 6, nil)
	for i := 0; i < miniScans; i++ {
		for j := 0; j < 6; j++ {
			motion.Set(i, j, 0.1*rng.NormFloat64())
		}
	}
	run.Confounds = motion

	resp, err := conv.Responses(events, miniScans)
	if err != nil {
		t.Fatal(err)
	}
	l := mat.NewDense(len(lat), miniDim+1, nil)
	for i, v := range lat {
		l.SetRow(i, v)
	}
	var sig, y mat.Dense
	sig.Mul(l, ex.wTrue)
	y.Mul(resp, &sig)
	for i := 0; i < miniScans; i++ {
		for j := 0; j < miniVoxels; j++ {
			y.Set(i, j, y.At(i, j)+100+0.01*float64(i)+miniNoise*rng.NormFloat64())
		}
	}
	return run, &y
}

// checkMiniDecoding decodes the test faces' betas with the fitted W (plus
// the modulator means) and checks them against the true latents.
func checkMiniDecoding(t *testing.T, ex *miniExperiment, d *glm.Design, res *glm.Result, face int, mods []int) {
	W, err := decoding.AssembleW(res.Beta, mods, face, nil)
	if err != nil {
		t.Fatal(err)
	}
	var testRows []int
	for k := 0; k < miniTest; k++ {
		c, ok := d.Column(fmt.Sprintf("test%d", k+1))
		if !ok {
			t.Fatal("missing test column")
		}
		testRows = append(testRows, c)
	}
	patterns, err := decoding.Gather(res.Beta, testRows, allIdx(miniVoxels))
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
	decoded := rows(zhat)
	for _, z := range decoded {
		for k := range z {
			z[k] += mu[k]
		}
	}
	pw, err := score.PairwiseAccuracy(decoded, ex.testZ)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pairwise %.3f over %d pairs", pw.Accuracy, pw.Pairs)
	if pw.Accuracy < 0.9 {
		t.Errorf("pairwise accuracy %v on a clean simulation", pw.Accuracy)
	}
	for i, z := range decoded {
		r := corr.Pearson(z, ex.testZ[i])
		t.Logf("test face %d: r = %.3f", i+1, r)
		if r < 0.8 {
			t.Errorf("test face %d: r(ẑ, z) = %.2f", i+1, r)
		}
	}
}

// checkMiniSelection checks the voxel selection on the same fit: every
// voxel responds to faces here.
func checkMiniSelection(t *testing.T, ex *miniExperiment, d *glm.Design, res *glm.Result, face int, mods []int) {
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
	for j := 0; j < miniVoxels; j++ {
		atMean := ex.wTrue.At(miniDim, j)
		for k := 0; k < miniDim; k++ {
			atMean += ex.meanZ[k] * ex.wTrue.At(k, j)
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

// rows returns the rows of m as slices sharing its storage.
func rows(m *mat.Dense) [][]float64 {
	r, _ := m.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = m.RawRowView(i)
	}
	return out
}
