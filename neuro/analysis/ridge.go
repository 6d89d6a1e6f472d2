package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// RidgeLambdas is the penalty grid of the ridge variant: a coarser
// glm.DefaultLambdas extended upwards, since cross-validation on the noisy
// simulations picks the top of the default grid (λ = 1). Penalties apply to unit-norm columns (after the
// nuisance projection), as in glm.
func RidgeLambdas() []float64 {
	return []float64{0, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1, 3, 10, 30, 100, 300, 1000}
}

// ridgeResult is a cross-validated ridge fit.
type ridgeResult struct {
	Lambda  float64
	Lambdas []float64 // the λ whose cross-validation error is finite
	CVError []float64 // per λ of Lambdas: held-out squared error per scan and voxel, pooled over folds
	// Skipped are the λ left out of Lambdas: a fold's training Gram matrix
	// plus λ is singular there (a column empty once the fold is held out,
	// such as test faces shown in one session only, or fewer training scans
	// than columns), which only a positive λ makes solvable.
	Skipped []float64
	Beta    *mat.Dense
}

// ridgeFromOLS is glm.RidgeCV computed from an OLS fit of the same design
// (the same penalty on unit-norm columns, folds of whole runs, one λ from a
// voxel subset), without a second pass over the data for the final fit:
// X is the nuisance-residualized task matrix (n × p), Y the residualized
// data (n × V) and B the OLS betas (p × V), so that XᵀY = (XᵀX)·B. Only the
// cross-validation voxels are multiplied with the held-out rows.
//
// groups gives a fold label per row; folds > 1 merges labels into that many
// folds (the i-th smallest label to fold i mod folds).
//
// G = XᵀX and H = XᵀY = G·B are passed in (see crossProducts) and left
// unchanged.
func ridgeFromOLS(X, Y *mat.Dense, G *mat.SymDense, H *mat.Dense, groups []int, folds int, lambdas []float64, maxVoxels int, seed uint64) (*ridgeResult, error) {
	n, p := X.Dims()
	ny, v := Y.Dims()
	if ph, vh := H.Dims(); ph != p || vh != v || ny != n || len(groups) != n || G.SymmetricDim() != p {
		return nil, fmt.Errorf("analysis: ridge: X %d×%d, Y %d×%d, XᵀY %d×%d, %d groups", n, p, ny, v, ph, vh, len(groups))
	}
	rows, err := foldRows(groups, folds)
	if err != nil {
		return nil, err
	}
	gs, h, s, err := scaleCross(G, H)
	if err != nil {
		return nil, err
	}
	idx := cvColumns(v, maxVoxels, seed)
	hcv := mat.NewDense(p, len(idx), nil)
	for j := 0; j < p; j++ {
		src, dst := h.RawRowView(j), hcv.RawRowView(j)
		for a, k := range idx {
			dst[a] = src[k]
		}
	}
	cvErr := make([]float64, len(lambdas))
	count := 0
	for _, fr := range rows {
		count += len(fr) * len(idx)
		addFoldErrors(cvErr, lambdas, X, Y, fr, idx, s, gs, hcv)
	}
	kept, keptErr, skipped := finiteErrors(lambdas, cvErr)
	if len(kept) == 0 {
		return nil, fmt.Errorf("analysis: ridge: every λ of %v gives a singular training Gram matrix in some cross-validation fold (%d columns)", lambdas, p)
	}
	best, err := pickLambda(keptErr, count)
	if err != nil {
		return nil, err
	}
	lam := kept[best]
	beta, err := solveRidge(gs, h, lam)
	if err != nil {
		return nil, err
	}
	scaleRows(beta, s)
	return &ridgeResult{Lambda: lam, Lambdas: kept, CVError: keptErr, Skipped: skipped, Beta: beta}, nil
}

// finiteErrors splits the λ grid into those with a finite pooled error
// (returned with their errors, in order) and the skipped ones (+Inf or NaN:
// a fold's system was singular), so that no infinity reaches the results'
// JSON.
func finiteErrors(lambdas, cvErr []float64) (kept, keptErr, skipped []float64) {
	for i, lam := range lambdas {
		if math.IsInf(cvErr[i], 0) || math.IsNaN(cvErr[i]) {
			skipped = append(skipped, lam)
			continue
		}
		kept = append(kept, lam)
		keptErr = append(keptErr, cvErr[i])
	}
	return kept, keptErr, skipped
}

// foldRows are the rows of each fold: the sorted group labels merged into
// folds (the i-th smallest label to fold i mod folds; folds < 2 or more
// than the labels: one fold per label).
func foldRows(groups []int, folds int) ([][]int, error) {
	labels := slices.Clone(groups)
	slices.Sort(labels)
	labels = slices.Compact(labels)
	if len(labels) < 2 {
		return nil, fmt.Errorf("analysis: ridge CV needs at least 2 groups, got %d", len(labels))
	}
	if folds < 2 || folds > len(labels) {
		folds = len(labels)
	}
	foldOf := map[int]int{}
	for i, l := range labels {
		foldOf[l] = i % folds
	}
	rows := make([][]int, folds)
	for i, g := range groups {
		rows[foldOf[g]] = append(rows[foldOf[g]], i)
	}
	return rows, nil
}

// scaleCross scales the Gram matrix G and H = XᵀY to unit-norm columns of
// X (the scale of the penalty), returning copies and the scale s.
func scaleCross(G *mat.SymDense, H *mat.Dense) (*mat.SymDense, *mat.Dense, []float64, error) {
	p := G.SymmetricDim()
	gs := mat.NewSymDense(p, nil)
	gs.CopySym(G)
	s := make([]float64, p)
	for j := 0; j < p; j++ {
		d := gs.At(j, j)
		if !(d > 0) {
			return nil, nil, nil, fmt.Errorf("analysis: ridge: column %d is empty after the nuisance projection", j)
		}
		s[j] = 1 / math.Sqrt(d)
	}
	h := mat.DenseCopyOf(H)
	scaleRows(h, s)
	scaleSym(gs, s)
	return gs, h, s, nil
}

// cvColumns are the voxels that choose λ: all v, or a seeded random subset
// of maxVoxels (when > 0) in ascending order.
func cvColumns(v, maxVoxels int, seed uint64) []int {
	idx := make([]int, v)
	for i := range idx {
		idx[i] = i
	}
	if maxVoxels > 0 && v > maxVoxels {
		rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		idx = rng.Perm(v)[:maxVoxels]
		slices.Sort(idx)
	}
	return idx
}

// addFoldErrors adds to cvErr, per λ, the held-out squared error of the
// fold made of rows fr over the voxels idx (+Inf where the training Gram
// plus λ is singular). The training cross-products are the scaled full
// ones (gs, hcv) minus the fold's, so only the fold's rows are multiplied.
func addFoldErrors(cvErr, lambdas []float64, X, Y *mat.Dense, fr, idx []int, s []float64, gs *mat.SymDense, hcv *mat.Dense) {
	_, p := X.Dims()
	m := len(idx)
	xf := mat.NewDense(len(fr), p, nil)
	yf := mat.NewDense(len(fr), m, nil)
	var yy float64
	for a, i := range fr {
		copy(xf.RawRowView(a), X.RawRowView(i))
		src, dst := Y.RawRowView(i), yf.RawRowView(a)
		for b, k := range idx {
			dst[b] = src[k]
			yy += src[k] * src[k]
		}
	}
	gf := gramSym(xf)
	scaleSym(gf, s)
	var hf mat.Dense
	hf.Mul(xf.T(), yf)
	scaleRows(&hf, s)
	gtr := mat.NewSymDense(p, nil)
	gtr.CopySym(gs)
	gr, fr2 := gtr.RawSymmetric(), gf.RawSymmetric()
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			gr.Data[i*gr.Stride+j] -= fr2.Data[i*fr2.Stride+j]
		}
	}
	var htr mat.Dense
	htr.Sub(hcv, &hf)
	for li, lam := range lambdas {
		a := mat.NewSymDense(p, nil)
		a.CopySym(gtr)
		for j := 0; j < p; j++ {
			a.SetSym(j, j, a.At(j, j)+lam)
		}
		var ch mat.Cholesky
		if !ch.Factorize(a) {
			cvErr[li] = math.Inf(1)
			continue
		}
		var beta mat.Dense
		if err := ch.SolveTo(&beta, &htr); err != nil {
			cvErr[li] = math.Inf(1)
			continue
		}
		var gb mat.Dense
		gb.Mul(gf, &beta)
		// ‖y − Xβ‖² = yᵀy − 2βᵀXᵀy + βᵀXᵀXβ, summed over voxels.
		e := yy - 2*dotAll(&beta, &hf) + dotAll(&beta, &gb)
		cvErr[li] += e
	}
}

// pickLambda turns the pooled errors into errors per scan and voxel (count
// values) in place and returns the index of the least, the first on ties.
func pickLambda(cvErr []float64, count int) (int, error) {
	best := 0
	for i := range cvErr {
		cvErr[i] /= float64(count)
		if cvErr[i] < cvErr[best] {
			best = i
		}
	}
	if math.IsInf(cvErr[best], 1) {
		return 0, fmt.Errorf("analysis: ridge: every λ gives a singular training Gram matrix")
	}
	return best, nil
}

// solveRidge is the ridge fit of all data on the scaled cross-products:
// (gs + λI)⁻¹ h, in the scaled columns.
func solveRidge(gs *mat.SymDense, h *mat.Dense, lam float64) (*mat.Dense, error) {
	p := gs.SymmetricDim()
	_, v := h.Dims()
	a := mat.NewSymDense(p, nil)
	a.CopySym(gs)
	for j := 0; j < p; j++ {
		a.SetSym(j, j, a.At(j, j)+lam)
	}
	var ch mat.Cholesky
	if !ch.Factorize(a) {
		return nil, fmt.Errorf("analysis: ridge: the Gram matrix with λ = %g is singular", lam)
	}
	beta := mat.NewDense(p, v, nil)
	if err := ch.SolveTo(beta, h); err != nil {
		return nil, fmt.Errorf("analysis: ridge: %w", err)
	}
	return beta, nil
}

// crossProducts returns G = XᵀX and H = XᵀY = G·B for the OLS betas B of
// Y on X: the second costs p²·V instead of n·p·V.
func crossProducts(X, B *mat.Dense) (*mat.SymDense, *mat.Dense) {
	g := gramSym(X)
	var h mat.Dense
	h.Mul(g, B)
	return g, &h
}

// gramSym returns XᵀX.
func gramSym(X *mat.Dense) *mat.SymDense {
	_, p := X.Dims()
	g := blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: make([]float64, p*p)}
	blas64.Syrk(blas.Trans, 1, X.RawMatrix(), 0, g)
	out := mat.NewSymDense(p, nil)
	out.SetRawSymmetric(g)
	return out
}

func scaleRows(m *mat.Dense, s []float64) {
	r, _ := m.Dims()
	for i := 0; i < r; i++ {
		row := m.RawRowView(i)
		for k := range row {
			row[k] *= s[i]
		}
	}
}

func scaleSym(g *mat.SymDense, s []float64) {
	raw := g.RawSymmetric()
	for i := 0; i < raw.N; i++ {
		for j := i; j < raw.N; j++ {
			raw.Data[i*raw.Stride+j] *= s[i] * s[j]
		}
	}
}

// dotAll is Σ a∘b.
func dotAll(a, b *mat.Dense) float64 {
	r, _ := a.Dims()
	var t float64
	for i := 0; i < r; i++ {
		br := b.RawRowView(i)
		for k, x := range a.RawRowView(i) {
			t += x * br[k]
		}
	}
	return t
}
