package glm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// DefaultRankTol is the default threshold on 1−R² (the part of a column not
// explained by the columns before it) below which a design counts as
// rank-deficient.
const DefaultRankTol = 1e-10

// FitOptions tune Fit. The zero value is plain OLS with default names.
type FitOptions struct {
	Names   []string // column names, one per column of X; nil gives "x0", "x1", …
	RankTol float64  // 0: DefaultRankTol
	// Ridge adds Ridge·I to the Gram matrix of the columns scaled to unit
	// norm (so the penalty does not depend on column units); 0 is OLS.
	// Contrasts (T, F) are only defined for OLS.
	Ridge float64
}

// RankError reports a rank-deficient design: Column is the first column
// that is (nearly) a linear combination of the columns before it (and, in
// Design fits, of the run nuisance columns).
type RankError struct {
	Column     string
	Index      int
	OneMinusR2 float64 // the unexplained fraction of the column's sum of squares
}

func (e *RankError) Error() string {
	return fmt.Sprintf("glm: design is rank-deficient: column %q (index %d) is a linear combination of the columns before it (1−R² = %.2g)", e.Column, e.Index, e.OneMinusR2)
}

// Result holds a fit of p columns to V voxels.
type Result struct {
	Names []string
	Beta  *mat.Dense // p × V
	RSS   []float64  // residual sum of squares per voxel
	N     int        // number of scans
	DOF   int        // residual degrees of freedom: N − p − nuisance columns
	Ridge float64

	explained []float64 // per voxel, the sum of squares explained by all p columns (OLS)
	f         factor
}

// factor is the Cholesky factorization of a Gram matrix scaled to unit
// diagonal.
type factor struct {
	scale []float64         // 1/sqrt(G_jj): column j of X times scale_j has unit norm
	gs    blas64.Symmetric  // scaled Gram matrix (upper triangle), before the ridge
	u     blas64.Triangular // upper Cholesky factor of gs + ridge·I
}

// gram returns XᵀX (upper triangle).
func gram(X *mat.Dense) blas64.Symmetric {
	_, p := X.Dims()
	g := blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: make([]float64, p*p)}
	blas64.Syrk(blas.Trans, 1, X.RawMatrix(), 0, g)
	return g
}

// gramCheck factorizes XᵀX and returns the index of the first dependent
// column, or −1.
func gramCheck(X *mat.Dense, prior []float64, tol float64) (factor, int, error) {
	f, bad, _, err := factorGram(gram(X), prior, 0, tol)
	return f, bad, err
}

// factorGram scales g to unit diagonal (in place), keeps a copy, and
// factorizes g + ridge·I. With ridge = 0 it checks the rank: the squared
// pivot U_jj² of the scaled matrix is 1 − R² of column j on the columns
// before it, times prior_j (the fraction left after an earlier projection).
// It returns the first column whose value is below tol (bad ≥ 0) with that
// value.
func factorGram(g blas64.Symmetric, prior []float64, ridge, tol float64) (factor, int, float64, error) {
	p := g.N
	s := make([]float64, p)
	for j := 0; j < p; j++ {
		d := g.Data[j*g.Stride+j]
		switch {
		case math.IsNaN(d) || math.IsInf(d, 0):
			return factor{}, -1, 0, fmt.Errorf("glm: design column %d has non-finite values", j)
		case d > 0:
			s[j] = 1 / math.Sqrt(d)
		case ridge > 0:
			s[j] = 1
		default:
			return factor{}, j, 0, nil
		}
	}
	for i := 0; i < p; i++ {
		row := g.Data[i*g.Stride : i*g.Stride+p]
		for j := i; j < p; j++ {
			row[j] *= s[i] * s[j]
		}
	}
	gs := blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: append([]float64(nil), g.Data[:p*p]...)}
	for j := 0; j < p; j++ {
		g.Data[j*g.Stride+j] += ridge
	}
	u, ok := lapack64.Potrf(g)
	f := factor{scale: s, gs: gs, u: u}
	if ridge > 0 {
		if !ok {
			return factor{}, -1, 0, fmt.Errorf("glm: ridge Gram matrix is not positive definite (ridge %v)", ridge)
		}
		return f, -1, 0, nil
	}
	if !ok {
		// Potrf does not say where it stopped; redo it unblocked to find out.
		bad, v := firstBadPivot(gs, prior, tol)
		if bad < 0 {
			return factor{}, -1, 0, fmt.Errorf("glm: Gram matrix is not positive definite")
		}
		return factor{}, bad, v, nil
	}
	for j := 0; j < p; j++ {
		d := u.Data[j*u.Stride+j]
		v := d * d
		if prior != nil {
			v *= prior[j]
		}
		if v < tol {
			return factor{}, j, v, nil
		}
	}
	return f, -1, 0, nil
}

// firstBadPivot runs an unblocked upper Cholesky on a copy of gs and
// returns the first column whose pivot (times prior) falls below tol.
func firstBadPivot(gs blas64.Symmetric, prior []float64, tol float64) (int, float64) {
	p := gs.N
	u := make([]float64, p*p)
	copy(u, gs.Data)
	for j := 0; j < p; j++ {
		d := u[j*p+j]
		for k := 0; k < j; k++ {
			d -= u[k*p+j] * u[k*p+j]
		}
		v := d
		if prior != nil {
			v *= prior[j]
		}
		if v < tol || d <= 0 {
			return j, v
		}
		dj := math.Sqrt(d)
		u[j*p+j] = dj
		for i := j + 1; i < p; i++ {
			a := u[j*p+i]
			for k := 0; k < j; k++ {
				a -= u[k*p+j] * u[k*p+i]
			}
			u[j*p+i] = a / dj
		}
	}
	return -1, 0
}

// Fit is FitWith with default options.
func Fit(X, Y *mat.Dense) (*Result, error) { return FitWith(X, Y, FitOptions{}) }

// FitWith fits Y (n × V) on X (n × p) for all voxels at once: one Cholesky
// factorization of the scaled Gram matrix XᵀX, then two triangular solves
// with all V right-hand sides, in place in the p × V matrix XᵀY. Residual
// sums of squares come from yᵀy − ‖U⁻ᵀXᵀy‖², so no n × V residual matrix is
// ever formed: memory beyond X and Y is p × V + 2p².
func FitWith(X, Y *mat.Dense, opt FitOptions) (*Result, error) {
	return fit(X, Y, opt, 0, nil)
}

func fit(X, Y *mat.Dense, opt FitOptions, dofLost int, prior []float64) (*Result, error) {
	n, p := X.Dims()
	ny, v := Y.Dims()
	if ny != n {
		return nil, fmt.Errorf("glm: X has %d rows, Y %d", n, ny)
	}
	if v == 0 || p == 0 {
		return nil, fmt.Errorf("glm: nothing to fit (%d columns, %d voxels)", p, v)
	}
	names := opt.Names
	if names == nil {
		names = make([]string, p)
		for j := range names {
			names[j] = fmt.Sprintf("x%d", j)
		}
	}
	if len(names) != p {
		return nil, fmt.Errorf("glm: %d column names for %d columns", len(names), p)
	}
	if opt.Ridge < 0 || math.IsNaN(opt.Ridge) || math.IsInf(opt.Ridge, 0) {
		return nil, fmt.Errorf("glm: ridge penalty must be finite and ≥ 0, got %v", opt.Ridge)
	}
	dof := n - p - dofLost
	if dof <= 0 && opt.Ridge == 0 {
		return nil, fmt.Errorf("glm: %d scans are too few for %d columns (%d nuisance)", n, p, dofLost)
	}
	yy := colSumSq(Y)
	beta := mat.NewDense(p, v, nil)
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, X.RawMatrix(), Y.RawMatrix(), 0, beta.RawMatrix())
	return fitCross(X, beta, yy, names, opt, dof, prior)
}

// fitCross finishes an OLS (or ridge) fit from its cross-products: beta
// holds XᵀY on entry and the coefficients on return, yy the per-voxel sums
// of squares of Y. Fit computes them from Y at once; Stream accumulates
// them run by run.
func fitCross(X, beta *mat.Dense, yy []float64, names []string, opt FitOptions, dof int, prior []float64) (*Result, error) {
	n, p := X.Dims()
	_, v := beta.Dims()
	tol := opt.RankTol
	if tol == 0 {
		tol = DefaultRankTol
	}
	for j, s := range yy {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("glm: voxel %d has non-finite values", j)
		}
	}
	f, bad, val, err := factorGram(gram(X), prior, opt.Ridge, tol)
	if err != nil {
		return nil, err
	}
	if bad >= 0 {
		return nil, &RankError{Column: names[bad], Index: bad, OneMinusR2: val}
	}
	h := beta.RawMatrix()
	for j := 0; j < p; j++ {
		blas64.Scal(f.scale[j], blas64.Vector{N: v, Inc: 1, Data: h.Data[j*h.Stride : j*h.Stride+v]})
	}
	blas64.Trsm(blas.Left, blas.Trans, 1, f.u, h)
	ww := colSumSq(beta)
	blas64.Trsm(blas.Left, blas.NoTrans, 1, f.u, h)
	rss := make([]float64, v)
	var bb []float64
	if opt.Ridge > 0 {
		bb = colSumSq(beta)
	}
	for k := range rss {
		r := yy[k] - ww[k]
		if bb != nil {
			r -= opt.Ridge * bb[k]
		}
		rss[k] = math.Max(r, 0)
	}
	for j := 0; j < p; j++ {
		blas64.Scal(f.scale[j], blas64.Vector{N: v, Inc: 1, Data: h.Data[j*h.Stride : j*h.Stride+v]})
	}
	return &Result{Names: names, Beta: beta, RSS: rss, N: n, DOF: dof, Ridge: opt.Ridge, explained: ww, f: f}, nil
}

// Sigma2 returns the residual variance RSS/DOF per voxel.
func (r *Result) Sigma2() []float64 {
	out := make([]float64, len(r.RSS))
	for i, s := range r.RSS {
		out[i] = s / float64(r.DOF)
	}
	return out
}

// Column returns the index of the named column.
func (r *Result) Column(name string) (int, bool) {
	for i, n := range r.Names {
		if n == name {
			return i, true
		}
	}
	return -1, false
}

// Columns returns the indices of the named columns.
func (r *Result) Columns(names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		j, ok := r.Column(n)
		if !ok {
			return nil, fmt.Errorf("glm: no column named %q", n)
		}
		out[i] = j
	}
	return out, nil
}

// Contrast builds a contrast vector from column weights by name.
func (r *Result) Contrast(weights map[string]float64) ([]float64, error) {
	c := make([]float64, len(r.Names))
	for n, w := range weights {
		j, ok := r.Column(n)
		if !ok {
			return nil, fmt.Errorf("glm: contrast names unknown column %q", n)
		}
		c[j] = w
	}
	return c, nil
}

func (r *Result) p() int { return len(r.Names) }

// T returns the t statistic of contrast c (one weight per column) for every
// voxel: cᵀβ / sqrt(σ² · cᵀ(XᵀX)⁻¹c), with DOF degrees of freedom.
func (r *Result) T(c []float64) ([]float64, error) {
	if r.Ridge != 0 {
		return nil, fmt.Errorf("glm: t contrasts are defined for OLS fits only (ridge %v)", r.Ridge)
	}
	p := r.p()
	if len(c) != p {
		return nil, fmt.Errorf("glm: contrast has %d weights for %d columns", len(c), p)
	}
	cs := make([]float64, p)
	nonzero := false
	for j := range c {
		if math.IsNaN(c[j]) || math.IsInf(c[j], 0) {
			return nil, fmt.Errorf("glm: contrast weight %d is %v", j, c[j])
		}
		cs[j] = c[j] * r.f.scale[j]
		nonzero = nonzero || c[j] != 0
	}
	if !nonzero {
		return nil, fmt.Errorf("glm: contrast is all zeros")
	}
	sol := append([]float64(nil), cs...)
	lapack64.Potrs(r.f.u, blas64.General{Rows: p, Cols: 1, Stride: 1, Data: sol})
	varf := blas64.Dot(blas64.Vector{N: p, Inc: 1, Data: cs}, blas64.Vector{N: p, Inc: 1, Data: sol})
	_, v := r.Beta.Dims()
	eff := make([]float64, v)
	blas64.Gemv(blas.Trans, 1, r.Beta.RawMatrix(), blas64.Vector{N: p, Inc: 1, Data: c}, 0, blas64.Vector{N: v, Inc: 1, Data: eff})
	for k := range eff {
		se := math.Sqrt(r.RSS[k] / float64(r.DOF) * varf)
		switch {
		case se > 0:
			eff[k] /= se
		case eff[k] == 0:
		default:
			eff[k] = math.Copysign(math.Inf(1), eff[k])
		}
	}
	return eff, nil
}

// ExtraSS returns, per voxel, the gain in explained sum of squares from the
// columns cols over a model with all the other columns (a nested model
// comparison; in Design fits the run nuisance stays in both models).
func (r *Result) ExtraSS(cols []int) ([]float64, error) {
	if r.Ridge != 0 {
		return nil, fmt.Errorf("glm: F tests are defined for OLS fits only (ridge %v)", r.Ridge)
	}
	p := r.p()
	q := len(cols)
	if q == 0 {
		return nil, fmt.Errorf("glm: F test needs at least one column")
	}
	in := make([]bool, p)
	for _, j := range cols {
		if j < 0 || j >= p {
			return nil, fmt.Errorf("glm: F test column %d out of range [0, %d)", j, p)
		}
		if in[j] {
			return nil, fmt.Errorf("glm: F test lists column %q twice", r.Names[j])
		}
		in[j] = true
	}
	var rest []int
	for j := 0; j < p; j++ {
		if !in[j] {
			rest = append(rest, j)
		}
	}
	_, v := r.Beta.Dims()
	fq, fr, fp, fv := float64(q), float64(len(rest)), float64(p), float64(v)
	// Two exact formulas; take the cheaper one.
	if fq*fq*fv+fq*fp*fp <= fr*fp*fv+fr*fr*fv+fr*fr*fr {
		return r.extraSSDirect(cols), nil
	}
	return r.extraSSReduced(rest), nil
}

// extraSSDirect: SS = βsₛᵀ [(Gs⁻¹)ₛₛ]⁻¹ βsₛ.
func (r *Result) extraSSDirect(cols []int) []float64 {
	p, q := r.p(), len(cols)
	_, v := r.Beta.Dims()
	e := make([]float64, p*q)
	for k, j := range cols {
		e[j*q+k] = 1
	}
	lapack64.Potrs(r.f.u, blas64.General{Rows: p, Cols: q, Stride: q, Data: e})
	css := blas64.Symmetric{Uplo: blas.Upper, N: q, Stride: q, Data: make([]float64, q*q)}
	for a, i := range cols {
		for b := a; b < q; b++ {
			css.Data[a*q+b] = e[i*q+b]
		}
	}
	l, ok := lapack64.Potrf(css)
	if !ok {
		// Cannot happen for a positive definite Gram matrix; fall back.
		var rest []int
		for j := 0; j < p; j++ {
			if !contains(cols, j) {
				rest = append(rest, j)
			}
		}
		return r.extraSSReduced(rest)
	}
	bs := mat.NewDense(q, v, nil)
	for k, j := range cols {
		dst := bs.RawRowView(k)
		copy(dst, r.Beta.RawRowView(j))
		blas64.Scal(1/r.f.scale[j], blas64.Vector{N: v, Inc: 1, Data: dst})
	}
	blas64.Trsm(blas.Left, blas.Trans, 1, l, bs.RawMatrix())
	return colSumSq(bs)
}

// extraSSReduced: SS = explained(all) − explained(rest), the latter from
// the rest columns' block of the Gram matrix and XᵣᵀY = Gₛ[rest,:]·β.
func (r *Result) extraSSReduced(rest []int) []float64 {
	p := r.p()
	_, v := r.Beta.Dims()
	nr := len(rest)
	out := append([]float64(nil), r.explained...)
	if nr == 0 {
		return out
	}
	gs := r.f.gs
	at := func(i, j int) float64 {
		if i > j {
			i, j = j, i
		}
		return gs.Data[i*gs.Stride+j]
	}
	// Scaled Gram rows of the rest columns, with 1/scale folded in so that
	// they multiply the unscaled β.
	gr := mat.NewDense(nr, p, nil)
	for a, i := range rest {
		row := gr.RawRowView(a)
		for j := 0; j < p; j++ {
			row[j] = at(i, j) / r.f.scale[j]
		}
	}
	hr := mat.NewDense(nr, v, nil)
	hr.Mul(gr, r.Beta)
	grr := blas64.Symmetric{Uplo: blas.Upper, N: nr, Stride: nr, Data: make([]float64, nr*nr)}
	for a, i := range rest {
		for b := a; b < nr; b++ {
			grr.Data[a*nr+b] = at(i, rest[b])
		}
	}
	u, _ := lapack64.Potrf(grr) // principal block of a positive definite matrix
	blas64.Trsm(blas.Left, blas.Trans, 1, u, hr.RawMatrix())
	wr := colSumSq(hr)
	for k := range out {
		out[k] = math.Max(out[k]-wr[k], 0)
	}
	return out
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// F returns the F statistic per voxel for the columns cols: the gain in
// explained variance from those columns over the model without them,
// (ΔSS/q) / (RSS/DOF), with (q, DOF) degrees of freedom.
func (r *Result) F(cols []int) ([]float64, error) {
	ss, err := r.ExtraSS(cols)
	if err != nil {
		return nil, err
	}
	q := float64(len(cols))
	for k := range ss {
		den := r.RSS[k] / float64(r.DOF)
		switch {
		case den > 0:
			ss[k] = ss[k] / q / den
		case ss[k] == 0:
		default:
			ss[k] = math.Inf(1)
		}
	}
	return ss, nil
}

// TThreshold returns the one-sided t value exceeded with probability alpha
// under the null, for dof degrees of freedom.
func TThreshold(alpha float64, dof int) (float64, error) {
	if !(alpha > 0 && alpha < 1) || dof <= 0 {
		return 0, fmt.Errorf("glm: t threshold needs alpha in (0,1) and dof > 0, got %v, %d", alpha, dof)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(1 - alpha), nil
}

// FThreshold returns the F value exceeded with probability alpha under the
// null, for (d1, d2) degrees of freedom.
func FThreshold(alpha float64, d1, d2 int) (float64, error) {
	if !(alpha > 0 && alpha < 1) || d1 <= 0 || d2 <= 0 {
		return 0, fmt.Errorf("glm: F threshold needs alpha in (0,1) and positive dofs, got %v, %d, %d", alpha, d1, d2)
	}
	return distuv.F{D1: float64(d1), D2: float64(d2)}.Quantile(1 - alpha), nil
}
