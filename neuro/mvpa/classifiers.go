package mvpa

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"fmriface/util/corr"
)

// Correlation is the correlation classifier of Haxby et al. (2001): class
// patterns are the training class means with the mean over classes
// subtracted voxel by voxel; a test pattern's score for a class is its
// Pearson correlation with that class's pattern (corr.PearsonOr, 0 when
// either is constant).
type Correlation struct{}

// Name implements Classifier.
func (Correlation) Name() string { return "correlation" }

// Scores implements Classifier.
func (Correlation) Scores(train *mat.Dense, labels []int, k int, test *mat.Dense) (*mat.Dense, error) {
	m, _, err := classMeans(train, labels, k)
	if err != nil {
		return nil, err
	}
	_, p := m.Dims()
	grand := make([]float64, p)
	for c := 0; c < k; c++ {
		for j, v := range m.RawRowView(c) {
			grand[j] += v / float64(k)
		}
	}
	for c := 0; c < k; c++ {
		row := m.RawRowView(c)
		for j := range row {
			row[j] -= grand[j]
		}
	}
	nt, _ := test.Dims()
	out := mat.NewDense(nt, k, nil)
	for a := 0; a < nt; a++ {
		x := test.RawRowView(a)
		for c := 0; c < k; c++ {
			out.Set(a, c, corr.PearsonOr(x, m.RawRowView(c), 0))
		}
	}
	return out, nil
}

// ShrinkageLDA is linear discriminant analysis with equal class priors and
// the pooled within-class covariance S (residuals from the class means,
// divided by n) shrunk towards ν·I, ν = tr(S)/Dim, with the Ledoit & Wolf
// (2004, J. Multivariate Anal. 88:365) intensity. The score of class c is
// μ_cᵀΣ⁻¹x − ½μ_cᵀΣ⁻¹μ_c.
//
// Dim is the dimension of the space the patterns live in; 0 means the
// number of columns. Set it to the number of voxels when the patterns are
// GramCoordinates of the voxel patterns, so that the shrinkage target and
// intensity are those of the voxel space (the scores are then identical).
type ShrinkageLDA struct {
	Dim int
	// Shrinkage, when in (0, 1], fixes the intensity instead of the
	// Ledoit–Wolf estimate.
	Shrinkage float64
}

// Name implements Classifier.
func (ShrinkageLDA) Name() string { return "shrinkage LDA" }

// Scores implements Classifier.
func (l ShrinkageLDA) Scores(train *mat.Dense, labels []int, k int, test *mat.Dense) (*mat.Dense, error) {
	m, _, err := classMeans(train, labels, k)
	if err != nil {
		return nil, err
	}
	n, r := train.Dims()
	dim := l.Dim
	if dim == 0 {
		dim = r
	}
	if dim < r {
		return nil, fmt.Errorf("mvpa: LDA dimension %d is below the %d columns", dim, r)
	}
	R := mat.NewDense(n, r, nil)
	for i, c := range labels {
		row, mu := R.RawRowView(i), m.RawRowView(c)
		for j, v := range train.RawRowView(i) {
			row[j] = v - mu[j]
		}
	}
	alpha, nu, S := ledoitWolf(R, dim)
	if l.Shrinkage > 0 && l.Shrinkage <= 1 {
		alpha = l.Shrinkage
	}
	if !(nu > 0) {
		return nil, fmt.Errorf("mvpa: LDA: within-class variance is %v (all training patterns equal their class means)", nu)
	}
	sig := mat.NewSymDense(r, nil)
	for i := 0; i < r; i++ {
		for j := i; j < r; j++ {
			v := (1 - alpha) * S.At(i, j)
			if i == j {
				v += alpha * nu
			}
			sig.SetSym(i, j, v)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(sig) {
		return nil, fmt.Errorf("mvpa: LDA: shrunk covariance is not positive definite (shrinkage %v)", alpha)
	}
	var W mat.Dense // r × k: Σ⁻¹ μ_c
	if err := ch.SolveTo(&W, m.T()); err != nil {
		return nil, fmt.Errorf("mvpa: LDA: %w", err)
	}
	var out mat.Dense
	out.Mul(test, &W)
	nt, _ := test.Dims()
	for c := 0; c < k; c++ {
		b := 0.5 * mat.Dot(m.RowView(c), W.ColView(c))
		for a := 0; a < nt; a++ {
			out.Set(a, c, out.At(a, c)-b)
		}
	}
	return &out, nil
}

// ledoitWolf returns the Ledoit–Wolf shrinkage intensity α, the target
// scale ν = tr(S)/dim and S = RᵀR/n for the residual rows R (n × r) that
// live in a dim-dimensional space (dim ≥ r; the missing dimensions have
// zero variance). Everything is computed from the n × n Gram matrix RRᵀ, so
// it is exact whatever r.
func ledoitWolf(R *mat.Dense, dim int) (alpha, nu float64, S *mat.SymDense) {
	n, r := R.Dims()
	S = mat.NewSymDense(r, nil)
	S.SymOuterK(1/float64(n), R.T())
	var K mat.SymDense
	K.SymOuterK(1, R)  // n × n
	var tr, ss float64 // tr(S), ‖S‖²_F
	for i := 0; i < n; i++ {
		tr += K.At(i, i)
		for j := 0; j < n; j++ {
			ss += K.At(i, j) * K.At(i, j)
		}
	}
	nf, df := float64(n), float64(dim)
	tr /= nf
	ss /= nf * nf
	nu = tr / df
	d2 := (ss - 2*nu*tr + nu*nu*df) / df // ‖S − νI‖²_F / dim
	var b2 float64                       // Σ_i ‖r_i r_iᵀ − S‖²_F / (n² dim)
	for i := 0; i < n; i++ {
		var rsr float64 // r_iᵀ S r_i = Σ_j (r_i·r_j)² / n
		for j := 0; j < n; j++ {
			rsr += K.At(i, j) * K.At(i, j)
		}
		rsr /= nf
		ri2 := K.At(i, i)
		b2 += ri2*ri2 - 2*rsr + ss
	}
	b2 /= nf * nf * df
	if d2 <= 0 {
		return 1, nu, S
	}
	return math.Min(b2, d2) / d2, nu, S
}

// GramCoordinates returns n coordinates (n × min(n, p)) for the n rows of X
// with the same inner products: ZZᵀ = XXᵀ, from the eigendecomposition of
// the Gram matrix. Linear methods that depend on the data only through inner
// products (ShrinkageLDA with Dim = p) give the same results on Z as on X.
func GramCoordinates(X *mat.Dense) (*mat.Dense, error) {
	n, p := X.Dims()
	var G mat.SymDense
	G.SymOuterK(1, X)
	var eig mat.EigenSym
	if !eig.Factorize(&G, true) {
		return nil, fmt.Errorf("mvpa: eigendecomposition of the %d×%d Gram matrix failed", n, n)
	}
	vals := eig.Values(nil)
	var U mat.Dense
	eig.VectorsTo(&U)
	r := min(n, p)
	Z := mat.NewDense(n, r, nil)
	// Eigenvalues come in ascending order: keep the r largest.
	for c := 0; c < r; c++ {
		src := n - 1 - c
		s := math.Sqrt(math.Max(vals[src], 0))
		for i := 0; i < n; i++ {
			Z.Set(i, c, U.At(i, src)*s)
		}
	}
	return Z, nil
}
