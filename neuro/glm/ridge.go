package glm

import (
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

func ridgeCV(X, Y *mat.Dense, groups []int, opt RidgeCVOptions, dofLost int, prior []float64) (*RidgeCVResult, error) {
	n, p := X.Dims()
	ny, v := Y.Dims()
	if ny != n || len(groups) != n {
		return nil, fmt.Errorf("glm: ridge CV: X has %d rows, Y %d, groups %d", n, ny, len(groups))
	}
	if v == 0 || p == 0 {
		return nil, fmt.Errorf("glm: ridge CV: nothing to fit (%d columns, %d voxels)", p, v)
	}
	lambdas := opt.Lambdas
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
	folds := map[int][]int{}
	var labels []int
	for i, g := range groups {
		if _, ok := folds[g]; !ok {
			labels = append(labels, g)
		}
		folds[g] = append(folds[g], i)
	}
	if len(labels) < 2 {
		return nil, fmt.Errorf("glm: ridge CV needs at least 2 groups, got %d", len(labels))
	}
	slices.Sort(labels)
	if opt.Folds < 0 {
		return nil, fmt.Errorf("glm: ridge CV: negative fold count %d", opt.Folds)
	}
	if opt.Folds > 1 && opt.Folds < len(labels) {
		merged := map[int][]int{}
		for i, lab := range labels {
			merged[i%opt.Folds] = append(merged[i%opt.Folds], folds[lab]...)
		}
		folds = merged
		labels = labels[:0]
		for f := 0; f < opt.Folds; f++ {
			slices.Sort(folds[f])
			labels = append(labels, f)
		}
	}

	// Voxel subset for choosing λ.
	maxV := opt.MaxVoxels
	if maxV == 0 {
		maxV = DefaultCVVoxels
	}
	ysub := Y
	if maxV > 0 && v > maxV {
		rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
		idx := rng.Perm(v)[:maxV]
		slices.Sort(idx)
		ysub = mat.NewDense(n, maxV, nil)
		for i := 0; i < n; i++ {
			src, dst := Y.RawRowView(i), ysub.RawRowView(i)
			for k, j := range idx {
				dst[k] = src[j]
			}
		}
	}
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
		rows := folds[lab]
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
				gtr.Data[i*p+j] = f.gs.Data[i*p+j] - gt.Data[i*p+j]
			}
		}
		htr := mat.NewDense(p, m, nil)
		htr.Sub(h, ht)
		w := make([]float64, p)
		work := make([]float64, 1)
		lapack64.Syev(lapack.EVCompute, gtr, w, work, -1)
		work = make([]float64, int(work[0]))
		if !lapack64.Syev(lapack.EVCompute, gtr, w, work, len(work)) {
			return nil, fmt.Errorf("glm: ridge CV: eigendecomposition failed for fold %d", lab)
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
		var tmp, mm mat.Dense
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
		s := mat.NewDense(p, p, sm.Data)
		pz := make([]float64, p)
		for i := 0; i < p; i++ {
			pz[i] = blas64.Dot(blas64.Vector{N: m, Inc: 1, Data: pt.RawRowView(i)}, blas64.Vector{N: m, Inc: 1, Data: z.RawRowView(i)})
		}
		wmax := w[p-1]
		d := make([]float64, p)
		for li, lam := range lambdas {
			ok := true
			for i := range d {
				den := w[i] + lam
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
			e := yyT
			for i := 0; i < p; i++ {
				e -= 2 * d[i] * pz[i]
				mr, sr := mm.RawRowView(i), s.RawRowView(i)
				var acc float64
				for j := 0; j < p; j++ {
					acc += d[j] * mr[j] * sr[j]
				}
				e += d[i] * acc
			}
			cvErr[li] += e
		}
	}
	best := 0
	for i, e := range cvErr {
		cvErr[i] = e / float64(n*m)
		if cvErr[i] < cvErr[best] {
			best = i
		}
	}
	if math.IsInf(cvErr[best], 1) {
		return nil, fmt.Errorf("glm: ridge CV: every λ gave a singular training Gram matrix")
	}
	res, err := fit(X, Y, FitOptions{Names: opt.Names, Ridge: lambdas[best]}, dofLost, prior)
	if err != nil {
		return nil, err
	}
	return &RidgeCVResult{Result: res, Lambda: lambdas[best], Lambdas: lambdas, CVError: cvErr}, nil
}
