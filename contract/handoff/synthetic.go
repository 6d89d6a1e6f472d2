package handoff

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
)

// SyntheticOptions sizes a synthetic subject. Zero fields take the defaults
// noted.
type SyntheticOptions struct {
	ID      string  // default "sub-01"
	Seed    uint64  // random seed
	Latent  int     // L, default 16
	Voxels  int     // V, default 3·(L+1)+12 (each ROI needs more than L voxels)
	Test    int     // N test faces, default 20
	Subsets int     // R, default 2
	Imagery int     // M candidates, default 20
	Noise   float64 // pattern noise relative to the signal, default 0.5
}

// DecoderMatrix converts a fitted decoder (V × (L+1), bias column last) to
// the ROI decoder layout: row-major (V, L) float32, bias dropped.
func DecoderMatrix(d *decoding.Decoder) []float32 {
	m := d.Matrix()
	v, k := m.Dims()
	out := make([]float32, 0, v*(k-1))
	for i := 0; i < v; i++ {
		for _, x := range m.RawRowView(i)[:k-1] {
			out = append(out, float32(x))
		}
	}
	return out
}

// syntheticTrainFaces is the number of "training faces" whose mean latent a
// synthetic subject records.
const syntheticTrainFaces = 100

// Synthetic makes a self-consistent synthetic subject for tests: voxels
// scattered in a small grid and split into ROIs by decoding.SplitROIs, a
// random brain-to-latent map W ((L+1) × V, bias row last), latents with a
// nonzero population mean, patterns y = [z − m, 1]·W plus Gaussian noise
// (m the mean latent of random training faces, LatentMean: the analysis's
// GLM centres its modulators the same way), and decoders computed from a
// noisy estimate of W by decoding.New, exactly as the analysis computes
// them, so y·D + m ≈ z. It is not data: its provenance says so.
func Synthetic(o SyntheticOptions) (*Subject, error) {
	s, _, err := synthetic(o)
	return s, err
}

// syntheticFit is what the analysis of a synthetic subject would hold in
// float64: the fitted map (bias row last) and the mean it adds back.
type syntheticFit struct {
	W    *mat.Dense
	Mean []float64
}

func synthetic(o SyntheticOptions) (*Subject, *syntheticFit, error) {
	if o.ID == "" {
		o.ID = "sub-01"
	}
	if o.Latent == 0 {
		o.Latent = 16
	}
	if o.Voxels == 0 {
		o.Voxels = 3*(o.Latent+1) + 12
	}
	if o.Test == 0 {
		o.Test = 20
	}
	if o.Subsets == 0 {
		o.Subsets = 2
	}
	if o.Imagery == 0 {
		o.Imagery = 20
	}
	if o.Noise == 0 {
		o.Noise = 0.5
	}
	L, V, N, R, M := o.Latent, o.Voxels, o.Test, o.Subsets, o.Imagery
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	grid := [3]int{24, 30, 20}
	if V > grid[0]*grid[1]*grid[2]/2 {
		return nil, nil, fmt.Errorf("handoff: %d synthetic voxels do not fit a %v grid", V, grid)
	}
	// Distinct voxels in the grid, in a fixed random order.
	perm := rng.Perm(grid[0] * grid[1] * grid[2])[:V]
	coords := make([]decoding.Coord, V)
	ijk := make([]int16, 3*V)
	for v, p := range perm {
		i, j, k := p/(grid[1]*grid[2]), p/grid[2]%grid[1], p%grid[2]
		ijk[3*v], ijk[3*v+1], ijk[3*v+2] = int16(i), int16(j), int16(k)
		coords[v] = decoding.Coord{X: float64(i), Y: float64(j), Z: float64(k)}
	}
	all := make([]int, V)
	for i := range all {
		all[i] = i
	}
	rois, err := decoding.SplitROIs(coords, all)
	if err != nil {
		return nil, nil, err
	}
	labels := make([]uint8, V)
	for l, name := range ROINames()[1:] {
		idx, _ := rois.Get(name)
		if len(idx) <= L {
			return nil, nil, fmt.Errorf("handoff: ROI %s has %d voxels, need more than the latent size %d (raise Voxels)", name, len(idx), L)
		}
		for _, v := range idx {
			labels[v] = uint8(l + 1)
		}
	}

	gauss := func(n int, sd float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = sd * rng.NormFloat64()
		}
		return x
	}
	// Real latents are not centred: every dimension has an offset, about
	// half the faces' spread, so a decode that forgets the mean is
	// measurably wrong.
	offset := gauss(L, 0.3)
	latents := func(n int) []float32 {
		z := make([]float32, n*L)
		for i := range z {
			z[i] = float32(offset[i%L] + math.Tanh(0.8*rng.NormFloat64()))
		}
		return z
	}
	mean := make([]float64, L)
	for i, z := range latents(syntheticTrainFaces) {
		mean[i%L] += float64(z) / syntheticTrainFaces
	}
	W := mat.NewDense(L+1, V, gauss((L+1)*V, 1))
	What := mat.DenseCopyOf(W) // the "fitted" map: W plus estimation noise
	for i, e := range gauss((L+1)*V, 0.1) {
		What.RawMatrix().Data[i] += e
	}
	// pattern returns [z − m, 1]·W + noise; the signal's RMS is about sqrt(L/3).
	sig := math.Sqrt(float64(L) / 3)
	pattern := func(z []float32, gain, noise float64) []float32 {
		zz := make([]float64, L+1)
		for i, x := range z {
			zz[i] = gain * (float64(x) - mean[i])
		}
		zz[L] = 1
		y := make([]float32, V)
		for v := 0; v < V; v++ {
			s := 0.0
			for i := range zz {
				s += zz[i] * W.At(i, v)
			}
			y[v] = float32(s + noise*sig*rng.NormFloat64())
		}
		return y
	}

	s := &Subject{ID: o.ID, Simulated: true, Latent: L, GridShape: grid, VoxelIJK: ijk, VoxelROI: labels,
		LatentMean: make([]float32, L)}
	for i, m := range mean {
		s.LatentMean[i] = float32(m)
	}
	cfg, _ := json.Marshal(o)
	s.Provenance = Provenance{Command: []string{"fmriout.Synthetic"}, Seed: int64(o.Seed), NoiseLevel: o.Noise,
		TrainingData: "synthetic test fixture (random linear brain model), not fMRI data", FitConfig: cfg}
	for _, name := range ROINames() {
		idx := all
		if name != "all" {
			idx, _ = rois.Get(name)
		}
		d, err := decoding.NewSubset(What, idx)
		if err != nil {
			return nil, nil, fmt.Errorf("handoff: ROI %s: %w", name, err)
		}
		r := ROI{Name: name, Voxels: make([]int32, len(idx)), Decoder: DecoderMatrix(d)}
		for i, v := range idx {
			r.Voxels[i] = int32(v)
		}
		s.ROIs = append(s.ROIs, r)
	}
	s.TestLatents = latents(N)
	for i := 0; i < N; i++ {
		s.TestMale = append(s.TestMale, uint8(i%2))
		s.TestPatterns = append(s.TestPatterns, pattern(s.TestLatents[i*L:(i+1)*L], 1, o.Noise)...)
	}
	for r := 0; r < R; r++ {
		s.TestSubsetTrials = append(s.TestSubsetTrials, int32(1+r))
	}
	for r := 0; r < R; r++ {
		for i := 0; i < N; i++ {
			s.TestSubsets = append(s.TestSubsets, pattern(s.TestLatents[i*L:(i+1)*L], 1, o.Noise*math.Sqrt(float64(R)))...)
		}
	}
	s.ImageryLatents = latents(M)
	s.ImageryTarget = rng.IntN(M)
	s.ImageryPattern = pattern(s.ImageryLatents[s.ImageryTarget*L:(s.ImageryTarget+1)*L], 0.3, o.Noise)
	return s, &syntheticFit{W: What, Mean: mean}, s.Validate()
}
