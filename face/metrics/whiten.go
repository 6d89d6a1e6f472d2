package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Whitener maps latents to coordinates where the reference set (n latents of
// d values, row-major) has zero mean and identity covariance:
// w = Σ^{-1/2}(z − mean), with Σ^{-1/2} = V·diag(1/√λ)·Vᵀ from Σ's
// eigendecomposition (directions with λ below 1e-9 of the largest are
// dropped). It is a diagnostic: the paper's attribute rule (a mean-difference
// axis through the origin) is optimal only when the classes' spread is
// isotropic, and comparing the rule before and after whitening shows how much
// of a miss comes from the latent's shape rather than its content.
type Whitener struct {
	d    int
	mean []float64
	w    *mat.Dense // d × d, symmetric
}

// NewWhitener fits the map on n reference latents.
func NewWhitener(latents []float32, n, d int) (*Whitener, error) {
	mean, vals, vecs, err := Moments(latents, n, d)
	if err != nil {
		return nil, err
	}
	top := vals[len(vals)-1]
	scaled := mat.DenseCopyOf(vecs)
	for k, v := range vals {
		s := 0.0
		if v > 1e-9*top {
			s = 1 / math.Sqrt(v)
		}
		for a := range d {
			scaled.Set(a, k, scaled.At(a, k)*s)
		}
	}
	w := mat.NewDense(d, d, nil)
	w.Mul(scaled, vecs.T())
	return &Whitener{d: d, mean: mean, w: w}, nil
}

// Moments returns the mean of n latents (n × d, row-major) and the
// eigendecomposition of their covariance: eigenvalues in ascending order and
// the eigenvectors as the columns of vecs.
func Moments(latents []float32, n, d int) (mean, vals []float64, vecs *mat.Dense, err error) {
	if n < 2 || d < 1 || len(latents) != n*d {
		return nil, nil, nil, fmt.Errorf("metrics: moments of %d values for %d latents of %d", len(latents), n, d)
	}
	x := mat.NewDense(n, d, nil)
	for i := range n {
		for k := range d {
			x.Set(i, k, float64(latents[i*d+k]))
		}
	}
	mean = make([]float64, d)
	for k := range d {
		mean[k] = stat.Mean(mat.Col(nil, k, x), nil)
	}
	var cov mat.SymDense
	stat.CovarianceMatrix(&cov, x, nil)
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return nil, nil, nil, fmt.Errorf("metrics: eigendecomposition of the %d×%d latent covariance failed", d, d)
	}
	vecs = new(mat.Dense)
	eig.VectorsTo(vecs)
	return mean, eig.Values(nil), vecs, nil
}

// Apply returns the m latents (m × d) in whitened coordinates.
func (wh *Whitener) Apply(latents []float32, m int) []float32 {
	checkLatents("Whitener.Apply", latents, m, wh.d, m)
	z := mat.NewDense(m, wh.d, nil)
	for i := range m {
		for k := range wh.d {
			z.Set(i, k, float64(latents[i*wh.d+k])-wh.mean[k])
		}
	}
	var out mat.Dense
	out.Mul(z, wh.w)
	res := make([]float32, m*wh.d)
	for i := range m {
		for k := range wh.d {
			res[i*wh.d+k] = float32(out.At(i, k))
		}
	}
	return res
}
