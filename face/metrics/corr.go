package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"fmriface/util/corr"
)

// CorrMatrix returns the n×n matrix (row-major) of Pearson correlations
// between the rows of a and the rows of b (both n×d): element i·n+j is
// r(a_i, b_j). Rows are standardised once (corr.Standardize) and multiplied
// with one BLAS GEMM, the fast way for the face model's 1,543 test images of
// 12,288 values; the values agree with corr.Matrix to about 1e-12 (rounding)
// and are clamped to [−1, 1]. Correlations with a constant row are NaN.
//
// For identification, pass the reconstructions (or decoded latents) as a and
// the originals (true latents) as b.
func CorrMatrix(a, b []float32, n, d int) []float64 {
	if n < 0 || d < 0 || len(a) != n*d || len(b) != n*d {
		panic(fmt.Sprintf("metrics: CorrMatrix of %d and %d values for %d rows of %d", len(a), len(b), n, d))
	}
	sa, sb := make([]float64, n*d), make([]float64, n*d)
	corr.Standardize(sa, a, n, d)
	corr.Standardize(sb, b, n, d)
	out := make([]float64, n*n)
	if n == 0 || d == 0 {
		return out
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1,
		blas64.General{Rows: n, Cols: d, Stride: d, Data: sa},
		blas64.General{Rows: n, Cols: d, Stride: d, Data: sb}, 0,
		blas64.General{Rows: n, Cols: n, Stride: n, Data: out})
	for i, v := range out {
		out[i] = corr.Clamp(v)
	}
	return out
}

// Identification is the pairwise identification accuracy of a correlation
// matrix r (n×n, row-major, r[i·n+j] = r(decoded_i, true_j)): over all
// n(n−1) ordered pairs i ≠ j, the fraction with r[i][i] > r[i][j]
// (strictly; ties and NaN count as failures). Chance is 0.5. This is the
// paper's pairwise measure (corr.Pairwise) and the face model's
// reconstruction identification. NaN for n < 2.
func Identification(r []float64, n int) float64 {
	checkSquare("Identification", r, n)
	if n < 2 {
		return math.NaN()
	}
	wins, pairs := corr.Pairwise(r, n, nil)
	return float64(wins) / float64(pairs)
}

// Recognition is the 1-of-n accuracy (the paper's "full recognition"): the
// fraction of rows i whose diagonal r[i][i] is strictly larger than every
// other r[i][j]. Chance is 1/n. NaN for n < 1.
func Recognition(r []float64, n int) float64 {
	checkSquare("Recognition", r, n)
	if n < 1 {
		return math.NaN()
	}
	hits := 0
	for i := range n {
		row := r[i*n : (i+1)*n]
		if !math.IsNaN(row[i]) && corr.Wins(row, i) == n-1 {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

func checkSquare(fn string, r []float64, n int) {
	if n < 0 || len(r) != n*n {
		panic(fmt.Sprintf("metrics: %s of %d values for an %d×%d matrix", fn, len(r), n, n))
	}
}
