package sim

import (
	"fmt"
	"math"
	"sort"
)

// ROI labels of the cortical voxels (the ROI label image stores these).
const (
	ROINone           = 0 // outside the cortex (background or white matter)
	ROIOccipital      = 1
	ROITemporal       = 2
	ROIFrontoparietal = 3
)

// ROINames names the labels, index = label.
var ROINames = []string{"none", "occipital", "temporal", "frontoparietal"}

// Receptive-field bank: Gaussian pooling windows over the feature cells, with
// centres on a lattice of half cells and a few widths; a voxel's receptive
// field is the bank entry nearest to its true centre and width.
const bankSide = 2 * FeatureCells

var bankSigmas = []float64{0.7, 1.2, 2.0, 3.2} // cells

func bankLen() int { return len(bankSigmas) * bankSide * bankSide }

// Anatomy is a subject's voxel grid: the brain, its cortical shell and the
// ROI of each cortical voxel.
type Anatomy struct {
	Grid   Grid
	Brain  []bool  // per grid voxel: inside the brain (the BOLD image is 0 elsewhere)
	Label  []uint8 // per grid voxel: ROI label, ROINone outside the cortex
	Cortex []int   // grid indices of the cortical voxels, ascending
	centre [3]float64
	radii  [3]float64
}

// makeAnatomy builds the brain as an ellipsoid filling most of the grid (its
// radii jittered a little per subject) with a cortical shell. ROIs follow the
// paper's definition applied to the shell: the most posterior third is
// occipital; of the rest, the lower half is temporal, the upper frontoparietal.
func makeAnatomy(seed int64, sub string, g Grid) (*Anatomy, error) {
	for _, d := range g.Dims {
		if d < 6 || d > 256 {
			return nil, fmt.Errorf("sim: grid %v: each side must be 6 to 256 voxels", g.Dims)
		}
	}
	rng := newRNG(seed, "sub-"+sub, "anatomy")
	a := &Anatomy{Grid: g, Brain: make([]bool, g.Len()), Label: make([]uint8, g.Len())}
	for ax := 0; ax < 3; ax++ {
		a.centre[ax] = float64(g.Dims[ax]-1) / 2
		a.radii[ax] = (float64(g.Dims[ax])/2 - 0.5) * (0.93 + 0.06*rng.Float64())
	}
	const inner = 0.58 // the shell is the outer 42 % of the radius
	for n := 0; n < g.Len(); n++ {
		rho := a.rho(n)
		if rho <= 1 {
			a.Brain[n] = true
			if rho >= inner {
				a.Cortex = append(a.Cortex, n)
			}
		}
	}
	if len(a.Cortex) < 3 {
		return nil, fmt.Errorf("sim: grid %v is too small for a cortex", g.Dims)
	}
	byY := append([]int(nil), a.Cortex...)
	sort.SliceStable(byY, func(p, q int) bool {
		_, yp, _ := g.Coords(byY[p])
		_, yq, _ := g.Coords(byY[q])
		return yp < yq
	})
	nOcc := len(byY) / 3
	for _, n := range byY[:nOcc] {
		a.Label[n] = ROIOccipital
	}
	rest := byY[nOcc:]
	sort.SliceStable(rest, func(p, q int) bool {
		_, _, zp := g.Coords(rest[p])
		_, _, zq := g.Coords(rest[q])
		return zp < zq
	})
	for i, n := range rest {
		if i < len(rest)/2 {
			a.Label[n] = ROITemporal
		} else {
			a.Label[n] = ROIFrontoparietal
		}
	}
	return a, nil
}

// rho is the ellipsoidal radius of voxel n (1 on the brain's surface).
func (a *Anatomy) rho(n int) float64 {
	i, j, k := a.Grid.Coords(n)
	var s float64
	for ax, c := range [3]int{i, j, k} {
		d := (float64(c) - a.centre[ax]) / a.radii[ax]
		s += d * d
	}
	return math.Sqrt(s)
}

// normPos is voxel n's position relative to the brain's centre, in radii.
func (a *Anatomy) normPos(n int) [3]float64 {
	i, j, k := a.Grid.Coords(n)
	var p [3]float64
	for ax, c := range [3]int{i, j, k} {
		p[ax] = (float64(c) - a.centre[ax]) / a.radii[ax]
	}
	return p
}

// Tuning is the true response model of a subject's cortical voxels (index v
// follows Anatomy.Cortex). Amplitudes are in percent signal change at the peak
// of the response to a 1 s event.
type Tuning struct {
	ROI        []uint8
	RFU, RFV   []float64 // receptive-field centre, in feature cells (0..8, x right, y down)
	RFSigma    []float64 // receptive-field width, cells (the bank width used)
	bank       []int32   // bank entry of each voxel
	ChanW      []float32 // V × NumChannels weights on the pooled feature channels
	AttrW      []float32 // V × len(attributes) weights on the z-scored attributes
	VisMix     []float64 // weight of the visual part of the standardised response
	AttrMix    []float64 // weight of the attribute part
	FaceBias   []float64 // mean response to a face, %
	Modulation []float64 // response change per standard deviation of the face's drive, %
	Imagery    []float64 // imagery response per second, as a fraction of the face response
	Press      []float64 // one-back button-press response, %
	HRFShift   []float64 // HRF latency shift, s
	ARPhi      []float64 // AR(1) coefficient of the scanner noise
	Physio     []float64 // loading on the shared physiological fluctuation
}

// Per-ROI response scales (index = label).
var (
	roiFaceBias   = [4]float64{0, 0.9, 0.7, 0.15}
	roiModulation = [4]float64{0, 0.6, 0.45, 0.08}
	roiImagery    = [4]float64{0, 0.02, 0.12, 0.05}
	roiPress      = [4]float64{0, 0, 0, 0.3}
	roiVisMix     = [4]float64{0, 1, 0.6, 0.6}
	roiAttrMix    = [4]float64{0, 0, 0.8, 0.8}
)

// linearWeight scales the weights on the local-mean (linear) channels
// relative to the Gabor-energy ones; see makeTuning.
var linearWeight = 6.0

const (
	fieldSigma  = 1.5  // voxels: smoothness of the tuning fields
	smoothShare = 0.5  // correlation of a feature preference with its smooth map
	shiftStep   = 0.25 // s: HRF shifts are quantised to this step
	maxHRFShift = 1.5  // s
)

// makeTuning draws a subject's tuning from smoothed random fields on the grid.
func makeTuning(seed int64, sub string, a *Anatomy, nAttr int) *Tuning {
	g := a.Grid
	V := len(a.Cortex)
	field := func(name string) []float64 {
		return smoothField(newRNG(seed, "sub-"+sub, "field", name), g, fieldSigma, a.Brain)
	}
	// Feature preferences: a smooth map plus a voxel-specific part (each voxel
	// samples its own mix of columns), so that neighbours are alike but the
	// population spans many independent tunings.
	prefField := func(name string) []float64 {
		f := field(name)
		rng := newRNG(seed, "sub-"+sub, "voxel-specific", name)
		for i := range f {
			f[i] = smoothShare*f[i] + math.Sqrt(1-smoothShare*smoothShare)*rng.NormFloat64()
		}
		return f
	}
	t := &Tuning{ROI: make([]uint8, V), RFU: make([]float64, V), RFV: make([]float64, V),
		RFSigma: make([]float64, V), bank: make([]int32, V),
		ChanW: make([]float32, V*NumChannels), AttrW: make([]float32, V*nAttr),
		VisMix: make([]float64, V), AttrMix: make([]float64, V), FaceBias: make([]float64, V),
		Modulation: make([]float64, V), Imagery: make([]float64, V), Press: make([]float64, V),
		HRFShift: make([]float64, V), ARPhi: make([]float64, V), Physio: make([]float64, V)}
	fu, fv, fs := field("rf-u"), field("rf-v"), field("rf-size")
	fb, fm, fi := field("face-bias"), field("modulation"), field("imagery")
	fh, fa, fp := field("hrf-shift"), field("ar-phi"), field("physio")

	// The occipital y range sets eccentricity: the posterior pole is foveal.
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, n := range a.Cortex {
		if a.Label[n] == ROIOccipital {
			_, y, _ := g.Coords(n)
			ymin, ymax = math.Min(ymin, float64(y)), math.Max(ymax, float64(y))
		}
	}
	c := float64(FeatureCells) / 2
	for v, n := range a.Cortex {
		roi := a.Label[n]
		t.ROI[v] = roi
		var u, w, sigma float64
		if roi == ROIOccipital {
			p := a.normPos(n)
			_, y, _ := g.Coords(n)
			frac := (float64(y) - ymin) / math.Max(ymax-ymin, 1)
			ecc := 0.4 + 3.3*frac
			// Contralateral and inverted: the left hemisphere sees the right
			// visual field, the upper bank the lower field.
			th := math.Atan2(p[2], -p[0])
			u = c + ecc*math.Cos(th) + 0.5*fu[n]
			w = c + ecc*math.Sin(th) + 0.5*fv[n]
			sigma = 0.55 + 0.3*ecc + 0.25*fs[n]
		} else {
			u = c + 1.0*fu[n]
			w = c + 0.3 + 1.0*fv[n]
			sigma = 2.6 + 0.6*fs[n]
		}
		t.bank[v], t.RFU[v], t.RFV[v], t.RFSigma[v] = nearestBank(u, w, sigma)
		t.VisMix[v], t.AttrMix[v] = roiVisMix[roi], roiAttrMix[roi]
		t.FaceBias[v] = roiFaceBias[roi] * math.Exp(0.3*fb[n])
		t.Modulation[v] = roiModulation[roi] * math.Exp(0.3*fm[n])
		t.Imagery[v] = roiImagery[roi] * math.Exp(0.3*fi[n])
		t.Press[v] = roiPress[roi]
		t.HRFShift[v] = math.Max(-maxHRFShift, math.Min(maxHRFShift, 0.5*fh[n]))
		t.ARPhi[v] = math.Max(0.05, math.Min(0.7, 0.3+0.08*fa[n]))
		t.Physio[v] = math.Max(0, 0.6+0.3*fp[n])
	}
	for k, spec := range channelSpec {
		f := prefField(fmt.Sprintf("channel-%d", k))
		for v, n := range a.Cortex {
			w := f[n] // energy: signed deviations from the mean face response
			if spec.level < 0 {
				w = linearWeight * f[n] // local mean luminance/colour: ON or OFF
			}
			t.ChanW[v*NumChannels+k] = float32(w)
		}
	}
	for k := 0; k < nAttr; k++ {
		f := prefField(fmt.Sprintf("attribute-%d", k))
		for v, n := range a.Cortex {
			t.AttrW[v*nAttr+k] = float32(f[n])
		}
	}
	return t
}

// nearestBank returns the receptive-field bank entry nearest to centre (u, v)
// and width sigma (widths compared on a log scale), with its centre and width.
func nearestBank(u, v, sigma float64) (int32, float64, float64, float64) {
	cell := func(x float64) int { return max(0, min(bankSide-1, int(math.Round(x*2-0.5)))) }
	ix, iy := cell(u), cell(v)
	best, bd := 0, math.Inf(1)
	for s, bs := range bankSigmas {
		if d := math.Abs(math.Log(math.Max(sigma, 0.1) / bs)); d < bd {
			best, bd = s, d
		}
	}
	idx := int32((best*bankSide+iy)*bankSide + ix)
	return idx, (float64(ix) + 0.5) / 2, (float64(iy) + 0.5) / 2, bankSigmas[best]
}

// bankWeights returns, per bank width, the bankSide × FeatureCells matrix of
// normalised Gaussian weights from lattice centres to cell centres (one axis;
// the pooling window is separable).
func bankWeights() [][]float64 {
	out := make([][]float64, len(bankSigmas))
	for s, sigma := range bankSigmas {
		w := make([]float64, bankSide*FeatureCells)
		for i := 0; i < bankSide; i++ {
			centre := (float64(i) + 0.5) / 2
			var sum float64
			for c := 0; c < FeatureCells; c++ {
				d := float64(c) + 0.5 - centre
				w[i*FeatureCells+c] = math.Exp(-d * d / (2 * sigma * sigma))
				sum += w[i*FeatureCells+c]
			}
			for c := 0; c < FeatureCells; c++ {
				w[i*FeatureCells+c] /= sum
			}
		}
		out[s] = w
	}
	return out
}
