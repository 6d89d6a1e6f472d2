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

// synthetic draws, from one stream in this order, the voxels, the latent
// model (offset, mean, W and its estimate), then the test latents and
// patterns, the subsets' patterns and the imagery.
func synthetic(o SyntheticOptions) (*Subject, *syntheticFit, error) {
	o.defaults()
	L, V, N, R, M := o.Latent, o.Voxels, o.Test, o.Subsets, o.Imagery
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	vox, err := syntheticVoxels(rng, V, L)
	if err != nil {
		return nil, nil, err
	}
	g := newSynthModel(rng, L, V)

	s := &Subject{ID: o.ID, Simulated: true, Latent: L, GridShape: vox.grid, VoxelIJK: vox.ijk, VoxelROI: vox.labels,
		LatentMean: make([]float32, L)}
	for i, m := range g.mean {
		s.LatentMean[i] = float32(m)
	}
	cfg, _ := json.Marshal(o)
	s.Provenance = Provenance{Command: []string{"fmriout.Synthetic"}, Seed: int64(o.Seed), NoiseLevel: o.Noise,
		TrainingData: "synthetic test fixture (random linear brain model), not fMRI data", FitConfig: cfg}
	if s.ROIs, err = syntheticDecoders(g.What, vox.rois, V); err != nil {
		return nil, nil, err
	}
	s.TestLatents = g.latents(N)
	for i := 0; i < N; i++ {
		s.TestMale = append(s.TestMale, uint8(i%2))
		s.TestPatterns = append(s.TestPatterns, g.pattern(s.TestLatents[i*L:(i+1)*L], 1, o.Noise)...)
	}
	for r := 0; r < R; r++ {
		s.TestSubsetTrials = append(s.TestSubsetTrials, int32(1+r))
	}
	for r := 0; r < R; r++ {
		for i := 0; i < N; i++ {
			s.TestSubsets = append(s.TestSubsets, g.pattern(s.TestLatents[i*L:(i+1)*L], 1, o.Noise*math.Sqrt(float64(R)))...)
		}
	}
	s.ImageryLatents = g.latents(M)
	s.ImageryTarget = rng.IntN(M)
	s.ImageryPattern = g.pattern(s.ImageryLatents[s.ImageryTarget*L:(s.ImageryTarget+1)*L], 0.3, o.Noise)
	return s, &syntheticFit{W: g.What, Mean: g.mean}, s.Validate()
}

func (o *SyntheticOptions) defaults() {
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
}

// synthVoxels are a synthetic subject's voxels: distinct, in a fixed random
// order in a small grid, split into ROIs as the analysis splits them.
type synthVoxels struct {
	grid   [3]int
	ijk    []int16
	labels []uint8 // ROI label per voxel (1-based, in ROINames()[1:] order)
	rois   decoding.ROIs
}

// syntheticVoxels places V voxels; every ROI must get more than L of them
// for its decoder to exist.
func syntheticVoxels(rng *rand.Rand, V, L int) (*synthVoxels, error) {
	vox := &synthVoxels{grid: [3]int{24, 30, 20}}
	grid := vox.grid
	if V > grid[0]*grid[1]*grid[2]/2 {
		return nil, fmt.Errorf("handoff: %d synthetic voxels do not fit a %v grid", V, grid)
	}
	perm := rng.Perm(grid[0] * grid[1] * grid[2])[:V]
	coords := make([]decoding.Coord, V)
	vox.ijk = make([]int16, 3*V)
	for v, p := range perm {
		i, j, k := p/(grid[1]*grid[2]), p/grid[2]%grid[1], p%grid[2]
		vox.ijk[3*v], vox.ijk[3*v+1], vox.ijk[3*v+2] = int16(i), int16(j), int16(k)
		coords[v] = decoding.Coord{X: float64(i), Y: float64(j), Z: float64(k)}
	}
	var err error
	if vox.rois, err = decoding.SplitROIs(coords, allVoxels(V)); err != nil {
		return nil, err
	}
	vox.labels = make([]uint8, V)
	for l, name := range ROINames()[1:] {
		idx, _ := vox.rois.Get(name)
		if len(idx) <= L {
			return nil, fmt.Errorf("handoff: ROI %s has %d voxels, need more than the latent size %d (raise Voxels)", name, len(idx), L)
		}
		for _, v := range idx {
			vox.labels[v] = uint8(l + 1)
		}
	}
	return vox, nil
}

// allVoxels is 0, 1, …, V−1.
func allVoxels(V int) []int {
	all := make([]int, V)
	for i := range all {
		all[i] = i
	}
	return all
}

// synthModel is a synthetic subject's random linear brain: latents with a
// nonzero population mean, the map W and its noisy estimate What.
type synthModel struct {
	rng    *rand.Rand
	L, V   int
	offset []float64 // per latent dimension
	mean   []float64 // mean latent of the "training faces"
	W      *mat.Dense
	What   *mat.Dense
	sig    float64 // RMS of the signal
}

func newSynthModel(rng *rand.Rand, L, V int) *synthModel {
	g := &synthModel{rng: rng, L: L, V: V}
	// Real latents are not centred: every dimension has an offset, about
	// half the faces' spread, so a decode that forgets the mean is
	// measurably wrong.
	g.offset = g.gauss(L, 0.3)
	g.mean = make([]float64, L)
	for i, z := range g.latents(syntheticTrainFaces) {
		g.mean[i%L] += float64(z) / syntheticTrainFaces
	}
	g.W = mat.NewDense(L+1, V, g.gauss((L+1)*V, 1))
	g.What = mat.DenseCopyOf(g.W) // the "fitted" map: W plus estimation noise
	for i, e := range g.gauss((L+1)*V, 0.1) {
		g.What.RawMatrix().Data[i] += e
	}
	g.sig = math.Sqrt(float64(L) / 3)
	return g
}

func (g *synthModel) gauss(n int, sd float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = sd * g.rng.NormFloat64()
	}
	return x
}

// latents draws n latents (n × L).
func (g *synthModel) latents(n int) []float32 {
	L := g.L
	z := make([]float32, n*L)
	for i := range z {
		z[i] = float32(g.offset[i%L] + math.Tanh(0.8*g.rng.NormFloat64()))
	}
	return z
}

// pattern returns [gain·(z − m), 1]·W + noise; the signal's RMS is about
// sqrt(L/3).
func (g *synthModel) pattern(z []float32, gain, noise float64) []float32 {
	L, V := g.L, g.V
	zz := make([]float64, L+1)
	for i, x := range z {
		zz[i] = gain * (float64(x) - g.mean[i])
	}
	zz[L] = 1
	y := make([]float32, V)
	for v := 0; v < V; v++ {
		s := 0.0
		for i := range zz {
			s += zz[i] * g.W.At(i, v)
		}
		y[v] = float32(s + noise*g.sig*g.rng.NormFloat64())
	}
	return y
}

// syntheticDecoders are the ROIs' decoders from the estimated map What, as
// the analysis computes them (decoding.NewSubset).
func syntheticDecoders(What *mat.Dense, rois decoding.ROIs, V int) ([]ROI, error) {
	var out []ROI
	for _, name := range ROINames() {
		idx := allVoxels(V)
		if name != "all" {
			idx, _ = rois.Get(name)
		}
		d, err := decoding.NewSubset(What, idx)
		if err != nil {
			return nil, fmt.Errorf("handoff: ROI %s: %w", name, err)
		}
		r := ROI{Name: name, Voxels: make([]int32, len(idx)), Decoder: DecoderMatrix(d)}
		for i, v := range idx {
			r.Voxels[i] = int32(v)
		}
		out = append(out, r)
	}
	return out, nil
}
