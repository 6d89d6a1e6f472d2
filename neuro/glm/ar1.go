package glm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// AR(1) pre-whitening, an option beside the default OLS (see the package
// doc): one autocorrelation ρ per subject, pooled over runs and a random
// subset of voxels, then every run's rows of the design and the data are
// filtered by y'ₜ = yₜ − ρ·yₜ₋₁ (first scan of each run scaled by √(1−ρ²))
// and fitted by OLS. This is SPM's global AR(1) idea with a cheaper
// estimator than its ReML: residuals are less autocorrelated than the noise
// (the fit, the high-pass set above all, absorbs slow fluctuations), so ρ
// is refined by Cochrane–Orcutt steps in the whitened space, where the
// residual lag-1 autocorrelation of white noise has the known expectation
// −Σₜ Hₜ,ₜ₊₁ / DOF (H the hat matrix) and the excess over it estimates the
// remaining error in ρ.

// DefaultAR1Voxels is the default number of voxels used to estimate ρ.
const DefaultAR1Voxels = 2000

// EstimateAR1 returns the AR(1) coefficient of the noise, from up to
// maxVoxels randomly chosen voxels of Y (≤ 0: DefaultAR1Voxels), pooled
// within runs, with steps Cochrane–Orcutt refinements (0: plain lag-1
// autocorrelation of the OLS residuals). Y is not modified.
func (d *Design) EstimateAR1(Y *mat.Dense, maxVoxels, steps int, seed uint64) (float64, error) {
	n, v := Y.Dims()
	if n != d.NumScans() {
		return 0, fmt.Errorf("glm: Y has %d rows, design %d scans", n, d.NumScans())
	}
	if v == 0 {
		return 0, fmt.Errorf("glm: no voxels to estimate the autocorrelation from")
	}
	if maxVoxels <= 0 {
		maxVoxels = DefaultAR1Voxels
	}
	if steps < 0 || steps > 20 {
		return 0, fmt.Errorf("glm: %d Cochrane–Orcutt steps out of [0, 20]", steps)
	}
	idx := make([]int, v)
	for j := range idx {
		idx[j] = j
	}
	if v > maxVoxels {
		idx = rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d)).Perm(v)[:maxVoxels]
		slices.Sort(idx)
	}
	ys := mat.NewDense(n, len(idx), nil)
	for i := 0; i < n; i++ {
		src, dst := Y.RawRowView(i), ys.RawRowView(i)
		for k, j := range idx {
			dst[k] = src[j]
		}
	}
	r, _, err := d.residualLag(mat.DenseCopyOf(ys), false)
	if err != nil {
		return 0, err
	}
	rho := r
	for s := 0; s < steps; s++ {
		rho = math.Max(-0.95, math.Min(0.95, rho))
		w, err := d.WhitenAR1(rho)
		if err != nil {
			return 0, err
		}
		yw := mat.DenseCopyOf(ys)
		if err := w.WhitenDataAR1(yw, rho); err != nil {
			return 0, err
		}
		r, bias, err := w.residualLag(yw, true)
		if err != nil {
			return 0, err
		}
		rho += (r - bias) * (1 - rho*rho)
	}
	return math.Max(-0.95, math.Min(0.95, rho)), nil
}

// residualLag fits Y (overwritten by its residuals) and returns the pooled
// within-run lag-1 autocorrelation of the residuals and, if asked, its
// expectation under white noise, −Σ Hₜ,ₜ₊₁ / DOF.
func (d *Design) residualLag(Y *mat.Dense, withBias bool) (float64, float64, error) {
	X, lost, frac, err := d.Residualize(Y)
	if err != nil {
		return 0, 0, err
	}
	res, err := fit(X, Y, FitOptions{Names: d.TaskNames}, lost, frac)
	if err != nil {
		return 0, 0, err
	}
	var pred mat.Dense
	pred.Mul(X, res.Beta)
	Y.Sub(Y, &pred)
	var num, den float64
	for _, r := range d.Runs {
		for i := r.Start; i < r.End; i++ {
			cur := Y.RawRowView(i)
			for _, e := range cur {
				den += e * e
			}
			if i > r.Start {
				prev := Y.RawRowView(i - 1)
				for k, e := range cur {
					num += e * prev[k]
				}
			}
		}
	}
	if !(den > 0) {
		return 0, 0, fmt.Errorf("glm: residuals are all zero; no autocorrelation to estimate")
	}
	if !withBias {
		return num / den, 0, nil
	}
	// Hat matrix = nuisance projection QQᵀ per run + task part Z Zᵀ with
	// Z = X̃·S·U⁻¹ (X̃ the residualized task columns).
	var lag float64
	z := mat.DenseCopyOf(X)
	scaleCols(z, res.f.scale)
	blas64.Trsm(blas.Right, blas.NoTrans, 1, res.f.u, z.RawMatrix())
	for _, r := range d.Runs {
		var q *mat.Dense
		if r.Nuisance != nil {
			if _, c := r.Nuisance.Dims(); c > 0 {
				f, _, err := gramCheck(r.Nuisance, nil, DefaultRankTol)
				if err != nil {
					return 0, 0, err
				}
				q = mat.DenseCopyOf(r.Nuisance)
				scaleCols(q, f.scale)
				blas64.Trsm(blas.Right, blas.NoTrans, 1, f.u, q.RawMatrix())
			}
		}
		for i := r.Start + 1; i < r.End; i++ {
			lag += dot(z.RawRowView(i), z.RawRowView(i-1))
			if q != nil {
				lag += dot(q.RawRowView(i-r.Start), q.RawRowView(i-1-r.Start))
			}
		}
	}
	return num / den, -lag / float64(res.DOF), nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func checkRho(rho float64) error {
	if math.IsNaN(rho) || math.Abs(rho) >= 1 {
		return fmt.Errorf("glm: AR(1) coefficient must be in (−1, 1), got %v", rho)
	}
	return nil
}

// whitenRows applies the AR(1) filter to rows [start, end) of M in place,
// last row first so that no copy is needed.
func whitenRows(M *mat.Dense, start, end int, rho float64) {
	for i := end - 1; i > start; i-- {
		cur, prev := M.RawRowView(i), M.RawRowView(i-1)
		for k := range cur {
			cur[k] -= rho * prev[k]
		}
	}
	s := math.Sqrt(1 - rho*rho)
	for k, r := 0, M.RawRowView(start); k < len(r); k++ {
		r[k] *= s
	}
}

// WhitenAR1 returns a copy of the design with every run's task and
// nuisance rows filtered by the AR(1) whitening filter for rho.
func (d *Design) WhitenAR1(rho float64) (*Design, error) {
	if err := checkRho(rho); err != nil {
		return nil, err
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	w := *d
	w.Task = mat.DenseCopyOf(d.Task)
	w.Runs = make([]RunBlock, len(d.Runs))
	for i, r := range d.Runs {
		whitenRows(w.Task, r.Start, r.End, rho)
		w.Runs[i] = r
		if r.Nuisance != nil {
			w.Runs[i].Nuisance = mat.DenseCopyOf(r.Nuisance)
			nr, _ := r.Nuisance.Dims()
			whitenRows(w.Runs[i].Nuisance, 0, nr, rho)
		}
	}
	return &w, nil
}

// WhitenDataAR1 filters every run's rows of Y (n × V) in place.
func (d *Design) WhitenDataAR1(Y *mat.Dense, rho float64) error {
	if err := checkRho(rho); err != nil {
		return err
	}
	if n, _ := Y.Dims(); n != d.NumScans() {
		return fmt.Errorf("glm: Y has %d rows, design %d scans", n, d.NumScans())
	}
	for _, r := range d.Runs {
		whitenRows(Y, r.Start, r.End, rho)
	}
	return nil
}

// FitAR1 estimates ρ (EstimateAR1 on DefaultAR1Voxels voxels, seed 1,
// 3 refinement steps), whitens a copy of Y and the design, and fits them.
// It returns the fit and ρ.
func (d *Design) FitAR1(Y *mat.Dense, opt FitOptions) (*Result, float64, error) {
	rho, err := d.EstimateAR1(Y, 0, 3, 1)
	if err != nil {
		return nil, 0, err
	}
	w, err := d.WhitenAR1(rho)
	if err != nil {
		return nil, 0, err
	}
	Yw := mat.DenseCopyOf(Y)
	if err := w.WhitenDataAR1(Yw, rho); err != nil {
		return nil, 0, err
	}
	res, err := w.FitInPlace(Yw, opt)
	return res, rho, err
}
