package glm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// DefaultLambdas returns the default ridge grid. Penalties apply to columns
// scaled to unit norm, so λ is a fraction of a column's own sum of squares;
// 0 (plain OLS) is included so that cross-validation can keep OLS.
func DefaultLambdas() []float64 {
	return []float64{0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1}
}

// DefaultCVVoxels is the default number of voxels used to choose λ.
const DefaultCVVoxels = 2000

// RidgeCVOptions tune RidgeCV.
type RidgeCVOptions struct {
	Lambdas []float64 // candidate penalties; nil: DefaultLambdas()
	// MaxVoxels bounds the voxels (a seeded random subset) used to choose
	// the single λ shared by all voxels; 0: DefaultCVVoxels, < 0: all.
	MaxVoxels int
	Seed      uint64
	Names     []string // column names; nil gives "x0", "x1", …
	// Folds, when > 1 and smaller than the number of distinct groups,
	// merges groups into that many folds (the i-th smallest label goes to
	// fold i mod Folds), e.g. 8 sessions into 4 leave-two-sessions-out
	// folds. Each fold costs one p × p eigendecomposition (about 6 s for
	// p = 1025 in pure Go on the loaded 2-core machine), so this halves the
	// cost. 0: one fold per group.
	Folds int
}

// RidgeCVResult is the final ridge fit on all data with the λ of least
// held-out error.
type RidgeCVResult struct {
	*Result
	Lambda  float64
	Lambdas []float64
	// CVError is, per λ, the held-out squared error per scan and voxel,
	// pooled over folds (+Inf where a fold's Gram matrix was singular).
	CVError []float64
}

// RidgeCV chooses the ridge penalty by leave-one-group-out
// cross-validation (groups: one label per row of X, e.g. run or session),
// then fits all data with it.
//
// Per fold it needs one eigendecomposition of the training Gram matrix
// (obtained as the full Gram minus the held-out rows' Gram, and likewise
// for XᵀY), after which the pooled held-out error of every λ costs O(p²):
// ‖y−Xβ(λ)‖² summed over voxels is a trace of p×p matrices.
func RidgeCV(X, Y *mat.Dense, groups []int, opt RidgeCVOptions) (*RidgeCVResult, error) {
	return ridgeCV(X, Y, groups, opt, 0, nil)
}

// RidgeCV residualizes a copy of Y against the run nuisance and runs
// ridge cross-validation on the task columns with folds given per run
// (foldOfRun[i] is the fold label of run i, e.g. its session).
func (d *Design) RidgeCV(Y *mat.Dense, foldOfRun []int, opt RidgeCVOptions) (*RidgeCVResult, error) {
	if len(foldOfRun) != len(d.Runs) {
		return nil, fmt.Errorf("glm: %d fold labels for %d runs", len(foldOfRun), len(d.Runs))
	}
	Y = mat.DenseCopyOf(Y)
	X, lost, frac, err := d.Residualize(Y)
	if err != nil {
		return nil, err
	}
	groups := make([]int, d.NumScans())
	for i, r := range d.Runs {
		for row := r.Start; row < r.End; row++ {
			groups[row] = foldOfRun[i]
		}
	}
	if opt.Names == nil {
		opt.Names = d.TaskNames
	}
	return ridgeCV(X, Y, groups, opt, lost, frac)
}

// ridgeCV checks its inputs, makes the folds and the voxel subset, pools
// every λ's held-out error over the folds, and fits all data with the best λ.
func ridgeCV(X, Y *mat.Dense, groups []int, opt RidgeCVOptions, dofLost int, prior []float64) (*RidgeCVResult, error) {
	n, p := X.Dims()
	ny, v := Y.Dims()
	if ny != n || len(groups) != n {
		return nil, fmt.Errorf("glm: ridge CV: X has %d rows, Y %d, groups %d", n, ny, len(groups))
	}
	if v == 0 || p == 0 {
		return nil, fmt.Errorf("glm: ridge CV: nothing to fit (%d columns, %d voxels)", p, v)
	}
	lambdas, err := lambdaGrid(opt.Lambdas)
	if err != nil {
		return nil, err
	}
	folds, labels, err := cvFolds(groups, opt.Folds)
	if err != nil {
		return nil, err
	}
	ysub := cvVoxels(Y, opt.MaxVoxels, opt.Seed)
	_, m := ysub.Dims()

	// Scaled full-data Gram and XᵀY.
	g := gram(X)
	// A unit ridge only to get the scale and the scaled Gram; the rank is
	// checked by the final fit.
	f, _, _, err := factorGram(g, nil, 1, 0)
	if err != nil {
		return nil, err
	}
	xs := mat.DenseCopyOf(X)
	scaleCols(xs, f.scale)
	h := mat.NewDense(p, m, nil)
	h.Mul(xs.T(), ysub)

	cvErr := make([]float64, len(lambdas))
	for _, lab := range labels {
		sp, err := decomposeFold(xs, ysub, f.gs, h, folds[lab])
		if err != nil {
			return nil, fmt.Errorf("%w for fold %d", err, lab)
		}
		sp.addErrors(cvErr, lambdas)
	}
	best, err := pickLambda(cvErr, n*m)
	if err != nil {
		return nil, err
	}
	res, err := fit(X, Y, FitOptions{Names: opt.Names, Ridge: lambdas[best]}, dofLost, prior)
	if err != nil {
		return nil, err
	}
	return &RidgeCVResult{Result: res, Lambda: lambdas[best], Lambdas: lambdas, CVError: cvErr}, nil
}

// lambdaGrid is the λ grid to search (nil: DefaultLambdas()); every λ must
// be finite and ≥ 0.
func lambdaGrid(lambdas []float64) ([]float64, error) {
	if lambdas == nil {
		lambdas = DefaultLambdas()
	}
	if len(lambdas) == 0 {
		return nil, fmt.Errorf("glm: ridge CV: empty λ grid")
	}
	for _, l := range lambdas {
		if l < 0 || math.IsNaN(l) || math.IsInf(l, 0) {
			return nil, fmt.Errorf("glm: ridge CV: λ %v is not finite and ≥ 0", l)
		}
	}
	return lambdas, nil
}

// cvFolds groups the rows by label and, when 1 < nfolds < the number of
// labels, merges the labels into nfolds folds (the i-th smallest label to
// fold i mod nfolds, rows sorted). It returns the rows of each fold and the
// fold labels in ascending order.
func cvFolds(groups []int, nfolds int) (map[int][]int, []int, error) {
	folds := map[int][]int{}
	var labels []int
	for i, g := range groups {
		if _, ok := folds[g]; !ok {
			labels = append(labels, g)
		}
		folds[g] = append(folds[g], i)
	}
	if len(labels) < 2 {
		return nil, nil, fmt.Errorf("glm: ridge CV needs at least 2 groups, got %d", len(labels))
	}
	slices.Sort(labels)
	if nfolds < 0 {
		return nil, nil, fmt.Errorf("glm: ridge CV: negative fold count %d", nfolds)
	}
	if nfolds > 1 && nfolds < len(labels) {
		merged := map[int][]int{}
		for i, lab := range labels {
			merged[i%nfolds] = append(merged[i%nfolds], folds[lab]...)
		}
		folds = merged
		labels = labels[:0]
		for f := 0; f < nfolds; f++ {
			slices.Sort(folds[f])
			labels = append(labels, f)
		}
	}
	return folds, labels, nil
}

// cvVoxels is Y, or the columns of a seeded random subset of maxV voxels
// (0: DefaultCVVoxels, < 0: all) in ascending order, used to choose λ.
func cvVoxels(Y *mat.Dense, maxV int, seed uint64) *mat.Dense {
	n, v := Y.Dims()
	if maxV == 0 {
		maxV = DefaultCVVoxels
	}
	if maxV <= 0 || v <= maxV {
		return Y
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	idx := rng.Perm(v)[:maxV]
	slices.Sort(idx)
	ysub := mat.NewDense(n, maxV, nil)
	for i := 0; i < n; i++ {
		src, dst := Y.RawRowView(i), ysub.RawRowView(i)
		for k, j := range idx {
			dst[k] = src[j]
		}
	}
	return ysub
}

// foldSpectrum is one fold in the eigenbasis of its training Gram matrix
// (Gtr = Q diag(w) Qᵀ), where every λ's held-out error costs O(p²):
// with D = (diag(w) + λ)⁻¹, Z = Qᵀ Htr and Pt = Qᵀ Ht, the error
// ‖Yt − Xt Q D Z‖² summed over voxels is yyT − 2 Σ D pz + tr(D M D S).
type foldSpectrum struct {
	w   []float64  // eigenvalues of the training Gram, ascending
	mm  *mat.Dense // M = Qᵀ Gt Q (Gt: the held-out rows' Gram)
	s   *mat.Dense // S = Z Zᵀ
	pz  []float64  // per eigenvector, Pt row · Z row
	yyT float64    // held-out ‖Yt‖²
}

// decomposeFold decomposes the training Gram of the fold that holds out
// rows: the full scaled Gram gs minus the held-out rows' Gram, and likewise
// h = XsᵀY minus the held-out part.
func decomposeFold(xs, ysub *mat.Dense, gs blas64.Symmetric, h *mat.Dense, rows []int) (*foldSpectrum, error) {
	_, p := xs.Dims()
	_, m := ysub.Dims()
	nt := len(rows)
	xt := mat.NewDense(nt, p, nil)
	yt := mat.NewDense(nt, m, nil)
	var yyT float64
	for a, i := range rows {
		copy(xt.RawRowView(a), xs.RawRowView(i))
		copy(yt.RawRowView(a), ysub.RawRowView(i))
		for _, y := range ysub.RawRowView(i) {
			yyT += y * y
		}
	}
	gt := gram(xt) // upper triangle
	ht := mat.NewDense(p, m, nil)
	ht.Mul(xt.T(), yt)
	// Training Gram = full − held-out; full symmetric for the eigensolver.
	gtr := blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: make([]float64, p*p)}
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			gtr.Data[i*p+j] = gs.Data[i*p+j] - gt.Data[i*p+j]
		}
	}
	htr := mat.NewDense(p, m, nil)
	htr.Sub(h, ht)
	w := make([]float64, p)
	work := make([]float64, 1)
	lapack64.Syev(lapack.EVCompute, gtr, w, work, -1)
	work = make([]float64, int(work[0]))
	if !lapack64.Syev(lapack.EVCompute, gtr, w, work, len(work)) {
		return nil, errors.New("glm: ridge CV: eigendecomposition failed")
	}
	q := mat.NewDense(p, p, gtr.Data) // eigenvectors in columns
	var z, pt mat.Dense
	z.Mul(q.T(), htr)
	pt.Mul(q.T(), ht)
	// M = Qᵀ Gt Q, with Gt symmetrized from its upper triangle.
	gtFull := mat.NewDense(p, p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			gtFull.Set(i, j, gt.Data[i*p+j])
			gtFull.Set(j, i, gt.Data[i*p+j])
		}
	}
	var tmp mat.Dense
	mm := new(mat.Dense)
	tmp.Mul(gtFull, q)
	mm.Mul(q.T(), &tmp)
	// S = Z Zᵀ, upper triangle only (read as symmetric below).
	sm := blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: make([]float64, p*p)}
	blas64.Syrk(blas.NoTrans, 1, z.RawMatrix(), 0, sm)
	for i := 0; i < p; i++ {
		for j := 0; j < i; j++ {
			sm.Data[i*p+j] = sm.Data[j*p+i]
		}
	}
	pz := make([]float64, p)
	for i := 0; i < p; i++ {
		pz[i] = blas64.Dot(blas64.Vector{N: m, Inc: 1, Data: pt.RawRowView(i)}, blas64.Vector{N: m, Inc: 1, Data: z.RawRowView(i)})
	}
	return &foldSpectrum{w: w, mm: mm, s: mat.NewDense(p, p, sm.Data), pz: pz, yyT: yyT}, nil
}

// addErrors adds the fold's held-out error of every λ to cvErr, or +Inf
// where the training Gram plus λ is numerically singular.
func (f *foldSpectrum) addErrors(cvErr, lambdas []float64) {
	p := len(f.w)
	wmax := f.w[p-1]
	d := make([]float64, p)
	for li, lam := range lambdas {
		ok := true
		for i := range d {
			den := f.w[i] + lam
			if den <= 1e-12*wmax {
				ok = false
				break
			}
			d[i] = 1 / den
		}
		if !ok {
			cvErr[li] = math.Inf(1)
			continue
		}
		e := f.yyT
		for i := 0; i < p; i++ {
			e -= 2 * d[i] * f.pz[i]
			mr, sr := f.mm.RawRowView(i), f.s.RawRowView(i)
			var acc float64
			for j := 0; j < p; j++ {
				acc += d[j] * mr[j] * sr[j]
			}
			e += d[i] * acc
		}
		cvErr[li] += e
	}
}

// pickLambda turns the pooled errors into errors per scan and voxel (count
// values) in place and returns the index of the least, the first on ties.
func pickLambda(cvErr []float64, count int) (int, error) {
	best := 0
	for i, e := range cvErr {
		cvErr[i] = e / float64(count)
		if cvErr[i] < cvErr[best] {
			best = i
		}
	}
	if math.IsInf(cvErr[best], 1) {
		return 0, fmt.Errorf("glm: ridge CV: every λ gave a singular training Gram matrix")
	}
	return best, nil
}
