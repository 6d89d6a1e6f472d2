package analysis

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
	"fmriface/neuro/glm"
)

// Model is one latent space whose values modulate the training faces.
type Model struct {
	Name   string // "vaegan" or "pca"
	L      int
	Latent LatentFunc
}

// FitOptions tune FitModel. Zero fields take the defaults noted.
type FitOptions struct {
	// TAlpha is the one-sided, uncorrected alpha of the face > fixation t
	// test (default 0.5, i.e. t > 0); FAlpha that of the F test of the modulators
	// over the face regressor alone (default 0.5, i.e. F > its median). The paper does not
	// publish its thresholds; it kept most of the covered cortex, and each
	// ROI needs more voxels than latent dimensions for WWᵀ to be invertible,
	// which at the simulator's scale (about 4,400 cortical voxels) leaves
	// only liberal thresholds.
	TAlpha, FAlpha float64
	// Ridge runs the cross-validated ridge variant (folds by session).
	Ridge       bool
	RidgeFolds  int // default 2 (sessions merged into 2 folds)
	RidgeVoxels int // voxels used to choose λ, default 1000
	// Curve lists training-set fractions (< 1) for the training-size curve.
	Curve []float64
	// Subsets > 1 also estimates each test face's pattern from that many
	// disjoint subsets of its presentations (for the exporter).
	Subsets  int
	HighPass float64
	Seed     uint64
	Progress io.Writer
}

// Defaults of FitOptions (the trainer's flags start from them).
const (
	DefaultTAlpha      = 0.5
	DefaultFAlpha      = 0.5
	DefaultRidgeFolds  = 2
	DefaultRidgeVoxels = 1000
)

func (o *FitOptions) defaults() {
	if o.TAlpha == 0 {
		o.TAlpha = DefaultTAlpha
	}
	if o.FAlpha == 0 {
		o.FAlpha = DefaultFAlpha
	}
	if o.RidgeFolds == 0 {
		o.RidgeFolds = DefaultRidgeFolds
	}
	if o.RidgeVoxels == 0 {
		o.RidgeVoxels = DefaultRidgeVoxels
	}
}

// Decoded holds decoded latents per ROI (uncentred: the modulator means are
// added back). ROIs whose decoder could not be built are absent.
type Decoded struct {
	Test    map[string]*mat.Dense // N × L
	Imagery map[string][]float64  // L; absent without imagery trials
}

// CurvePoint is the decoding of the test faces from a fit on a fraction of
// the training faces (all selected voxels).
type CurvePoint struct {
	Fraction float64
	NFaces   int
	Test     *mat.Dense // N × L decoded; nil when Err is set
	Err      string
}

// ModelFit is one subject's analysis for one latent space.
type ModelFit struct {
	Model      string
	L          int
	Layout     *Layout // the full design's layout (Design dropped after the fit)
	DOF        int
	TThreshold float64
	FThreshold float64
	NMask      int
	Selected   []int         // selected columns of Data.Y, ascending
	SelectedF  []float64     // the F statistic of the modulators of each selected voxel (Budget ranks by it)
	ROIs       decoding.ROIs // positions in Selected, per ROI
	Means      []float64     // modulator means added back after decoding
	W          *mat.Dense    // (L+1) × len(Selected), bias row last
	// TestPatterns are the test faces' betas over the selected voxels
	// (N × V); ImageryPattern the imagery beta (nil without imagery).
	TestPatterns   *mat.Dense
	ImageryPattern []float64
	Decoders       map[string]*decoding.Decoder // OLS, per ROI
	Decoded        map[string]*Decoded          // "ols", "ridge"
	ROIErrors      map[string]string            // ROIs without a decoder, and why
	Lambda         float64
	Lambdas        []float64 // the ridge λ grid, less RidgeSkipped
	CVError        []float64 // per λ of Lambdas
	RidgeSkipped   []float64 // λ whose cross-validation system was singular in a fold
	Curve          []CurvePoint
	Subsets        *mat.Dense // (R·N) × V, split r's faces in rows r·N…
	SubsetTrials   []int      // per split, the fewest presentations of any face
	// BrainRDM are the test faces' dissimilarity matrices per ROI over the
	// visually responsive voxels (rsa.go).
	BrainRDM map[string][][]float64
	Seconds  map[string]float64
}

// FitModel runs the analysis of one subject for one latent space. d.Y is
// overwritten by its residual after each run's nuisance projection (the
// projection is the same for every model, so fitting several models one
// after the other on the same Data is correct).
func FitModel(d *Data, stim *Stimuli, m Model, opt FitOptions) (*ModelFit, error) {
	opt.defaults()
	if d.Streamed() {
		var out *ModelFit
		err := fitModelsStreamed(d, stim, []Model{m}, opt, func(_ int, mf *ModelFit) error { out = mf; return nil })
		return out, err
	}
	mf := &ModelFit{Model: m.Name, L: m.L, NMask: len(d.Voxels), Decoded: map[string]*Decoded{},
		ROIErrors: map[string]string{}, Seconds: map[string]float64{}}
	tick := time.Now()
	lap := func(what string) {
		mf.Seconds[what] += time.Since(tick).Seconds()
		tick = time.Now()
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "  sub-%s %s: %s %.1f s\n", d.Subject, m.Name, what, mf.Seconds[what])
		}
	}
	spec := DesignSpec{Latent: m.Latent, L: m.L, HighPass: opt.HighPass}
	lay, err := BuildDesign(d, stim, spec)
	if err != nil {
		return nil, err
	}
	mf.Layout = lay
	mf.Means = lay.Design.ModulatorMeans[CondFace]
	lap("design")
	bsel, err := mf.fitAndDecode(d, m, lay, opt, lap)
	if err != nil {
		return nil, err
	}

	ysel, err := decoding.Columns(d.Y, mf.Selected)
	if err != nil {
		return nil, err
	}
	// Cross-products of the full design with the selected voxels, from the
	// OLS betas: reused by the ridge fit and the repetition subsets.
	X, _, _, err := lay.Design.Residualize(nil)
	if err != nil {
		return nil, err
	}
	G, H := crossProducts(X, bsel)
	if opt.Ridge {
		if err := mf.fitRidge(d, m, lay, opt, X, ysel, G, H); err != nil {
			return nil, err
		}
		lap("ridge")
	}
	fullNames := lay.Design.TaskNames
	lay.Design = nil // free the big design matrix

	if len(opt.Curve) > 0 {
		mf.fitCurve(d, stim, m, opt, ysel, lap)
	}
	if opt.Subsets > 1 {
		if err := mf.fitSplits(d, stim, m, opt, ysel, fullNames, G, H); err != nil {
			return nil, err
		}
		lap("subsets")
	}
	return mf, nil
}

// fitAndDecode is the paper's analysis: the OLS fit of the full design
// (residualizing d.Y in place), the voxel selection, W and the test and
// imagery patterns, and the OLS decoders per ROI. It returns the selected
// voxels' betas for the cross-products of the later fits; the full fit is
// dropped on return.
func (mf *ModelFit) fitAndDecode(d *Data, m Model, lay *Layout, opt FitOptions, lap func(string)) (*mat.Dense, error) {
	res, err := lay.Design.FitInPlace(d.Y, glm.FitOptions{})
	if err != nil {
		return nil, fmt.Errorf("sub-%s %s: %w", d.Subject, m.Name, err)
	}
	lap("fit")
	return mf.selectAndDecode(d, m, lay, res, opt, lap)
}

// selectAndDecode is fitAndDecode after the fit res of the full design.
func (mf *ModelFit) selectAndDecode(d *Data, m Model, lay *Layout, res *glm.Result, opt FitOptions, lap func(string)) (*mat.Dense, error) {
	mf.DOF = res.DOF
	var err error
	t, err := mf.selectVoxels(d, m, lay, res, opt)
	if err != nil {
		return nil, err
	}
	if mf.BrainRDM, err = brainRDMs(d, res, lay, t, mf.TThreshold); err != nil {
		return nil, err
	}

	// W, patterns and the paper's decoders.
	if mf.W, err = decoding.AssembleW(res.Beta, lay.Mods, lay.Face, mf.Selected); err != nil {
		return nil, err
	}
	if mf.TestPatterns, err = decoding.Gather(res.Beta, lay.Tests[0], mf.Selected); err != nil {
		return nil, err
	}
	if lay.Imagery >= 0 {
		g, err := decoding.Gather(res.Beta, []int{lay.Imagery}, mf.Selected)
		if err != nil {
			return nil, err
		}
		mf.ImageryPattern = g.RawRowView(0)
	}
	bsel, err := decoding.Columns(res.Beta, mf.Selected)
	if err != nil {
		return nil, err
	}
	res = nil
	mf.Decoders = map[string]*decoding.Decoder{}
	if mf.Decoded["ols"], err = mf.decodeAll(mf.W, mf.Decoders); err != nil {
		return nil, err
	}
	lap("select+decode")
	return bsel, nil
}

// selectVoxels keeps the voxels that pass both tests on the training data
// (face > fixation t, F of the modulators over the face regressor) and
// splits them into ROIs, as positions in mf.Selected. It returns every
// voxel's face > fixation t, which the RSA reuses.
func (mf *ModelFit) selectVoxels(d *Data, m Model, lay *Layout, res *glm.Result, opt FitOptions) ([]float64, error) {
	c := make([]float64, len(res.Names))
	c[lay.Face] = 1
	t, err := res.T(c)
	if err != nil {
		return nil, err
	}
	f, err := res.F(lay.Mods)
	if err != nil {
		return nil, err
	}
	if mf.TThreshold, err = glm.TThreshold(opt.TAlpha, res.DOF); err != nil {
		return nil, err
	}
	if mf.FThreshold, err = glm.FThreshold(opt.FAlpha, m.L, res.DOF); err != nil {
		return nil, err
	}
	mf.Selected, err = decoding.Select(t, f, mf.TThreshold, mf.FThreshold)
	if err != nil {
		return nil, err
	}
	mf.SelectedF = make([]float64, len(mf.Selected))
	for k, v := range mf.Selected {
		mf.SelectedF[k] = f[v]
	}
	if len(mf.Selected) < 3 {
		return nil, fmt.Errorf("sub-%s %s: %d voxels pass t > %.2f and F > %.3f; lower the thresholds", d.Subject, m.Name, len(mf.Selected), mf.TThreshold, mf.FThreshold)
	}
	rois, err := decoding.SplitROIs(d.Coords(), mf.Selected)
	if err != nil {
		return nil, err
	}
	pos := make(map[int]int, len(mf.Selected))
	for k, v := range mf.Selected {
		pos[v] = k
	}
	for _, r := range []*[]int{&rois.All, &rois.Occipital, &rois.Temporal, &rois.Frontoparietal} {
		for i, v := range *r {
			(*r)[i] = pos[v]
		}
	}
	mf.ROIs = rois
	return t, nil
}

// fitRidge is the ridge variant (beyond the paper): λ by cross-validation
// over sessions, from the OLS cross-products G and H, then decoders from
// the ridge W.
func (mf *ModelFit) fitRidge(d *Data, m Model, lay *Layout, opt FitOptions, X, ysel *mat.Dense, G *mat.SymDense, H *mat.Dense) error {
	groups := make([]int, lay.Design.NumScans())
	sessions := Sessions(d)
	for i, r := range lay.Design.Runs {
		for row := r.Start; row < r.End; row++ {
			groups[row] = sessions[i]
		}
	}
	rcv, err := ridgeFromOLS(X, ysel, G, H, groups, opt.RidgeFolds, RidgeLambdas(), opt.RidgeVoxels, opt.Seed)
	if err != nil {
		return fmt.Errorf("sub-%s %s: ridge: %w", d.Subject, m.Name, err)
	}
	mf.Lambda, mf.Lambdas, mf.CVError, mf.RidgeSkipped = rcv.Lambda, rcv.Lambdas, rcv.CVError, rcv.Skipped
	if len(rcv.Skipped) > 0 && opt.Progress != nil {
		fmt.Fprintf(opt.Progress, "  warning: sub-%s %s: ridge λ %v skipped: a cross-validation fold's training system is singular there (a regressor is empty once the fold is held out, e.g. faces shown in one session only, or too few scans); λ = %g chosen among %v\n",
			d.Subject, m.Name, rcv.Skipped, rcv.Lambda, rcv.Lambdas)
	}
	wr, err := decoding.AssembleW(rcv.Beta, lay.Mods, lay.Face, nil)
	if err != nil {
		return err
	}
	if mf.Decoded["ridge"], err = mf.decodeAll(wr, nil); err != nil {
		return err
	}
	return nil
}

// fitCurve is the training-size curve: for each fraction, a seeded random
// subset of the training faces, refitted and decoded.
func (mf *ModelFit) fitCurve(d *Data, stim *Stimuli, m Model, opt FitOptions, ysel *mat.Dense, lap func(string)) {
	keys := trainingKeys(d, stim)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	perm := rng.Perm(len(keys))
	for _, frac := range opt.Curve {
		nk := int(math.Round(frac * float64(len(keys))))
		keep := make(map[string]bool, nk)
		for _, i := range perm[:nk] {
			keep[keys[i]] = true
		}
		cp := CurvePoint{Fraction: frac, NFaces: nk}
		// A fraction too small for the latent size (fewer faces than
		// modulators, a singular WWᵀ) is an outcome, not a failure.
		if z, err := mf.fitSubset(d, stim, m, opt, ysel, func(k string) bool { return keep[k] }); err != nil {
			cp.Err = err.Error()
		} else {
			cp.Test = z
		}
		mf.Curve = append(mf.Curve, cp)
		lap("curve")
	}
}

// decodeAll builds one decoder per ROI from W and decodes the test and
// imagery patterns. keep, when not nil, receives the decoders.
func (mf *ModelFit) decodeAll(W *mat.Dense, keep map[string]*decoding.Decoder) (*Decoded, error) {
	out := &Decoded{Test: map[string]*mat.Dense{}, Imagery: map[string][]float64{}}
	for _, name := range decoding.ROINames() {
		idx, _ := mf.ROIs.Get(name)
		dec, err := decoding.NewSubset(W, idx)
		if err != nil {
			mf.ROIErrors[name] = fmt.Sprintf("%d voxels for %d rows of W: %v", len(idx), mf.L+1, err)
			continue
		}
		if keep != nil {
			keep[name] = dec
		}
		yt, err := decoding.Columns(mf.TestPatterns, idx)
		if err != nil {
			return nil, err
		}
		z, err := dec.DecodeRows(yt)
		if err != nil {
			return nil, err
		}
		mf.uncentre(z)
		out.Test[name] = z
		if mf.ImageryPattern != nil {
			yi := make([]float64, len(idx))
			for a, j := range idx {
				yi[a] = mf.ImageryPattern[j]
			}
			zi, err := dec.Decode(yi)
			if err != nil {
				return nil, err
			}
			for k := range zi {
				zi[k] += mf.Means[k]
			}
			out.Imagery[name] = zi
		}
	}
	return out, nil
}

func (mf *ModelFit) uncentre(z *mat.Dense) {
	r, _ := z.Dims()
	for i := 0; i < r; i++ {
		row := z.RawRowView(i)
		for k := range row {
			row[k] += mf.Means[k]
		}
	}
}

// trainingKeys lists the distinct training faces of the subject's events.
func trainingKeys(d *Data, stim *Stimuli) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range d.Runs {
		for _, e := range r.Events {
			if e.TrialType == TrialTrain && !e.OneBack {
				if k, ok := stim.Map[e.StimFile]; ok && !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// fitSubset refits the selected voxels with only the kept training faces
// modulated and decodes the test patterns of that fit with all voxels.
func (mf *ModelFit) fitSubset(d *Data, stim *Stimuli, m Model, opt FitOptions, ysel *mat.Dense, keep func(string) bool) (*mat.Dense, error) {
	lay, err := BuildDesign(d, stim, DesignSpec{Latent: m.Latent, L: m.L, TrainKeep: keep, HighPass: opt.HighPass})
	if err != nil {
		return nil, err
	}
	res, err := lay.Design.Fit(ysel, glm.FitOptions{})
	if err != nil {
		return nil, err
	}
	W, err := decoding.AssembleW(res.Beta, lay.Mods, lay.Face, nil)
	if err != nil {
		return nil, err
	}
	dec, err := decoding.New(W)
	if err != nil {
		return nil, err
	}
	yt, err := decoding.Gather(res.Beta, lay.Tests[0], allIdx(len(mf.Selected)))
	if err != nil {
		return nil, err
	}
	z, err := dec.DecodeRows(yt)
	if err != nil {
		return nil, err
	}
	means := lay.Design.ModulatorMeans[CondFace]
	r, _ := z.Dims()
	for i := 0; i < r; i++ {
		row := z.RawRowView(i)
		for k := range row {
			row[k] += means[k]
		}
	}
	return z, nil
}

// fitSplits estimates the test patterns from disjoint subsets of each test
// face's presentations: the design with each test regressor split in R.
// Its other columns are those of the full design, whose XᵀY rows come from
// the full fit (H = XᵀY with column names full); only the split columns are
// multiplied with the data.
func (mf *ModelFit) fitSplits(d *Data, stim *Stimuli, m Model, opt FitOptions, ysel *mat.Dense, full []string, G *mat.SymDense, H *mat.Dense) error {
	sp, err := newSplitDesign(d, stim, m, opt, full)
	if err != nil {
		return err
	}
	var hf mat.Dense
	if len(sp.fresh) > 0 {
		hf.Mul(sp.xf.T(), ysel)
	}
	return mf.solveSplits(d, opt.Subsets, sp, H, &hf)
}

// splitDesign is the design with each test regressor split in R: its
// residualized task columns, and those of its columns the full design
// lacks (fresh, and their columns xf).
type splitDesign struct {
	lay     *Layout
	xs      *mat.Dense
	fullCol []int // per column, the full design's column, or −1 (fresh)
	fresh   []int
	xf      *mat.Dense
}

func newSplitDesign(d *Data, stim *Stimuli, m Model, opt FitOptions, full []string) (*splitDesign, error) {
	lay, err := BuildDesign(d, stim, DesignSpec{Latent: m.Latent, L: m.L, TestSplits: opt.Subsets, HighPass: opt.HighPass})
	if err != nil {
		return nil, err
	}
	XS, _, _, err := lay.Design.Residualize(nil)
	if err != nil {
		return nil, err
	}
	byName := map[string]int{}
	for j, name := range full {
		byName[name] = j
	}
	sp := &splitDesign{lay: lay, xs: XS}
	for j, name := range lay.Design.TaskNames {
		if jf, ok := byName[name]; ok {
			sp.fullCol = append(sp.fullCol, jf)
		} else {
			sp.fullCol = append(sp.fullCol, -1)
			sp.fresh = append(sp.fresh, j)
		}
	}
	if len(sp.fresh) > 0 {
		if sp.xf, err = decoding.Columns(XS, sp.fresh); err != nil {
			return nil, err
		}
	}
	return sp, nil
}

// solveSplits solves the split design for the selected voxels from the full
// design's XᵀY (H, rows named as the full design's columns) and the fresh
// columns' XᵀY (hf, one row per fresh column).
func (mf *ModelFit) solveSplits(d *Data, R int, sp *splitDesign, H, hf *mat.Dense) error {
	lay, XS := sp.lay, sp.xs
	_, p := XS.Dims()
	_, v := H.Dims()
	hs := mat.NewDense(p, v, nil)
	a := 0
	for j, jf := range sp.fullCol {
		if jf >= 0 {
			copy(hs.RawRowView(j), H.RawRowView(jf))
		} else {
			copy(hs.RawRowView(j), hf.RawRowView(a))
			a++
		}
	}
	g := gramSym(XS)
	sc := make([]float64, p)
	for j := range sc {
		if !(g.At(j, j) > 0) {
			return fmt.Errorf("sub-%s: split design column %q is empty", d.Subject, lay.Design.TaskNames[j])
		}
		sc[j] = 1 / math.Sqrt(g.At(j, j))
	}
	scaleSym(g, sc)
	scaleRows(hs, sc)
	var ch mat.Cholesky
	if !ch.Factorize(g) || ch.Cond() > 1e12 {
		return fmt.Errorf("sub-%s: the design with split test regressors is rank-deficient", d.Subject)
	}
	beta := mat.NewDense(p, v, nil)
	if err := ch.SolveTo(beta, hs); err != nil {
		return err
	}
	scaleRows(beta, sc)
	n := len(lay.TestImages)
	mf.Subsets = mat.NewDense(R*n, v, nil)
	mf.SubsetTrials = make([]int, R)
	for r := 0; r < R; r++ {
		mf.SubsetTrials[r] = math.MaxInt
		for i := 0; i < n; i++ {
			j := lay.Tests[r][i]
			if j < 0 {
				return fmt.Errorf("sub-%s: test face %s has fewer than %d presentations", d.Subject, lay.TestImages[i], R)
			}
			mf.Subsets.SetRow(r*n+i, beta.RawRowView(j))
			mf.SubsetTrials[r] = min(mf.SubsetTrials[r], lay.TestTrials[r][i])
		}
	}
	return nil
}

func allIdx(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// rowsOf copies a matrix into rows (nil for nil).
func rowsOf(m *mat.Dense) [][]float64 {
	if m == nil {
		return nil
	}
	r, c := m.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = make([]float64, c)
		for k := range out[i] {
			out[i][k] = m.At(i, k)
		}
	}
	return out
}
